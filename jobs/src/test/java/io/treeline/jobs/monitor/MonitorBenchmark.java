package io.treeline.jobs.monitor;

import io.treeline.core.config.TreelineConfig;
import io.treeline.core.lake.TableName;
import io.treeline.jobs.runtime.JobContext;
import io.treeline.jobs.runtime.Progress;
import io.treeline.jobs.score.ScoreBatch;
import io.treeline.jobs.score.ScoreWriteMode;
import io.treeline.jobs.score.ScoringInput;
import java.time.LocalDateTime;
import java.util.List;
import java.util.Map;

/**
 * `treeline monitor` on 100,000 logged requests, skew included, part by part. The requests are the
 * first 100,000 June flights, batch-scored into the inference log with the model (so the features the
 * skew check recomputes are real look-ups), then monitored with their labels. Each part's time comes
 * from the job's own phase timings; the log is written into the lake given, under a fresh model run
 * tag, and the monitor replaces its range, so the benchmark can be rerun.
 *
 * <p>Usage: MonitorBenchmark LAKE FEATURES_DIR MODEL_NAME [REQUESTS]
 */
public final class MonitorBenchmark {
  public static void main(String[] args) {
    TreelineConfig config = TreelineConfig.defaults().with(Map.of("lake.root", args[0], "features.dir", args[1]));
    String model = args[2];
    int requests = args.length > 3 ? Integer.parseInt(args[3]) : 100_000;
    try (JobContext context = new JobContext(config, System.out, Progress.silent())) {
      System.out.printf("machine: %d cores, heap %.0f GiB; model %s; %,d requests%n", Runtime.getRuntime().availableProcessors(),
          Runtime.getRuntime().maxMemory() / 1073741824.0, model, requests);
      long start = System.nanoTime();
      ScoreBatch.Result scored = new ScoreBatch(model + "@champion", new ScoringInput(null,
          "select * from raw.flights where departure_date >= '2001-06-01' order by departure_time limit " + requests, "departure_time", null),
          TableName.parse("scores.benchmark_monitor"), ScoreWriteMode.parse("overwrite"), List.of("flight_id"), false, true).run(context);
      System.out.printf("logging: scored and logged %,d requests in %.1f s%n", scored.loggedRows(), seconds(start));

      start = System.nanoTime();
      MonitorModel.Result result = new MonitorModel(model, scored.version().version(),
          new MonitorRange(LocalDateTime.parse("2001-06-01T00:00"), LocalDateTime.parse("2001-07-02T00:00"), MonitorRange.Granularity.DAY),
          new LabelSource(null, "select flight_id, cast(arrival_delay > 15 as double) label from raw.flights", List.of("flight_id")), 0)
          .run(context);
      System.out.printf("monitor: %,d predictions in %.1f s; phases (s): %s%n", result.predictions(), seconds(start), result.phaseSeconds());
      System.out.println(result.summaryLine());
    }
  }

  private static double seconds(long since) {
    return (System.nanoTime() - since) / 1e9;
  }
}
