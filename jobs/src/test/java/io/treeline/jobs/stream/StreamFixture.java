package io.treeline.jobs.stream;

import static io.treeline.jobs.JobsTestSupport.runJob;

import io.treeline.core.lake.LakeLayout;
import io.treeline.core.testing.TempLake;
import io.treeline.core.testing.TestSpark;
import io.treeline.jobs.data.LoadData;
import java.nio.file.Path;

/**
 * What the streaming tests share in one test JVM: a lake with the flights slice loaded into
 * raw.flights (the events to replay). Made once, on first use.
 */
final class StreamFixture {
  private static TempLake lake;

  private StreamFixture() {}

  static synchronized TempLake lake() {
    if (lake == null) {
      lake = new TempLake();
      lake.stageFlightsSlice();
      runJob(new LoadData(null, null, false), lake.config());
      TempLake made = lake;
      Runtime.getRuntime().addShutdownHook(new Thread(made::close));
    }
    return lake;
  }


  /** A lake for a stream's output, with an empty raw.flights of the events' columns (so nothing is taken as history). */
  static TempLake outputLake() {
    TempLake out = new TempLake();
    TestSpark.session().read().format("delta").load(lake().layout().table(LoadData.FLIGHTS)).limit(0)
        .write().format("delta").save(out.layout().table(LoadData.FLIGHTS));
    return out;
  }

  static Path featuresDir() {
    return Path.of("..", "conf", "features").toAbsolutePath().normalize();
  }

  static LakeLayout source() {
    return lake().layout();
  }
}
