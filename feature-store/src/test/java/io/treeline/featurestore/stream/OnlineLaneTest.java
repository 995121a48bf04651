package io.treeline.featurestore.stream;

import static io.treeline.featurestore.FeatureStoreTestSupport.table;
import static io.treeline.featurestore.FeatureStoreTestSupport.view;
import static org.assertj.core.api.Assertions.assertThat;

import io.treeline.core.testing.TempLake;
import io.treeline.core.testing.TestSpark;
import io.treeline.featurestore.offline.Materializer;
import io.treeline.featurestore.online.EntityKey;
import io.treeline.featurestore.online.FeatureValues;
import io.treeline.featurestore.online.LatestValues;
import io.treeline.featurestore.online.OnlineTable;
import io.treeline.featurestore.online.RedisOnlineStore;
import io.treeline.featurestore.online.RedisServer;
import io.treeline.featurestore.spec.FeatureSpec;
import io.treeline.featurestore.spec.FeatureView;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/**
 * The online lane against features materialize: after the lane has read events arriving out of order
 * within the watermark, the online store holds what the batch table says as of the lane's clock; stopped
 * mid-stream (its state gone) and started again, it rebuilds from the event log and still agrees.
 */
class OnlineLaneTest {
  /** Which of six files an event goes to: two hours each, the events 75-90 minutes into them arriving with the next. */
  /** The stream tests' view, and a count over a day that needs every event since the first: a restart must rebuild it. */
  private static final String VIEW = ViewStreamTest.VIEW + "      - {name: n_24h, agg: count, window: 24h}\n";
  private static final String FILE_OF = "(hour(ts) * 60 + minute(ts)) div 120 + if((hour(ts) * 60 + minute(ts)) % 120 between 75 and 89, 1, 0)";

  @Test
  void the_lane_writes_what_materialize_gives_as_of_its_clock_and_again_after_a_restart() throws Exception {
    SparkSession spark = TestSpark.session();
    try (TempLake streamed = new TempLake(); RedisServer redis = RedisServer.start();
        RedisOnlineStore store = new RedisOnlineStore(redis.url(), Duration.ZERO)) {
      table(streamed, "src.events", ViewStreamTest.EVENTS + " limit 0");
      FeatureView view = view(streamed, VIEW);
      Path dir = streamed.root().resolve("incoming");
      List<List<String>> files = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        files.add(spark.sql("select to_json(struct(k, ts, v)) from (" + ViewStreamTest.EVENTS + ") where " + FILE_OF + " = " + i + " order by ts desc")
            .as(org.apache.spark.sql.Encoders.STRING()).collectAsList());
      }
      StreamSettings settings = StreamSettings.from(streamed.config(Map.of("stream.files.dir", dir.toString(), "stream.files.max-files-per-trigger",
          "1", "stream.watermark-minutes", "60", "stream.trigger-seconds", "1", "stream.online-lane-interval-ms", "50")));

      ViewStreamTest.writeFiles(dir, files.subList(0, 3));
      LocalDateTime firstClock = newest(spark, 2);
      try (StreamRunner runner = StreamRunner.start(spark, streamed.layout(), settings, List.of(view), store, false)) {
        awaitClock(runner, firstClock);
      }
      assertThat(online(store, view)).as("after three files").isEqualTo(expected(spark, view, 2, firstClock));

      // Started again with its state gone: three more files, one at a time, the last after the lane is reading.
      writeMore(dir, files, 3, 5);
      LocalDateTime clock = newest(spark, 5);
      try (StreamRunner runner = StreamRunner.start(spark, streamed.layout(), settings, List.of(view), store, false)) {
        awaitClock(runner, clock);
        // The last file holds only events older than the clock (within the watermark): they change values, not the clock.
        StreamMetrics lane = runner.running().get(0).lane().metrics();
        long before = lane.snapshot().events();
        writeMore(dir, files, 5, 6);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (lane.snapshot().events() < before + files.get(5).size() && System.nanoTime() < deadline) {
          Thread.sleep(50);
        }
        assertThat(lane.snapshot().events()).isEqualTo(before + files.get(5).size());
        assertThat(runner.running().get(0).lane().metrics().snapshot().freshnessP99Millis()).isPositive();
      }
      assertThat(online(store, view)).as("after all six files and a restart").isEqualTo(expected(spark, view, 5, clock));
    }
  }

  private static void writeMore(Path dir, List<List<String>> files, int from, int to) throws Exception {
    for (int i = from; i < to; i++) {
      Path file = java.nio.file.Files.write(dir.resolve(String.format("events-%05d.json", i + 1)), files.get(i));
      java.nio.file.Files.setLastModifiedTime(file, java.nio.file.attribute.FileTime.fromMillis(1_000_000_000_000L + i * 1000L));
    }
  }

  /** The newest event time of the first {@code lastFile} + 1 files. */
  private static LocalDateTime newest(SparkSession spark, int lastFile) {
    return (LocalDateTime) spark.sql("select max(ts) from (" + ViewStreamTest.EVENTS + ") where " + FILE_OF + " <= " + lastFile).first().get(0);
  }

  private static void awaitClock(StreamRunner runner, LocalDateTime clock) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    StreamRunner.Running one = runner.running().get(0);
    while (!one.lane().metrics().snapshot().clock().equals(clock.toString())) {
      assertThat(one.lane().failure()).isEmpty();
      assertThat(System.nanoTime()).as("the lane's clock reaches %s (it is %s)", clock, one.lane().metrics().snapshot().clock()).isLessThan(deadline);
      Thread.sleep(50);
    }
  }

  /** Per entity, the feature time and values the batch table of the first files' events holds as of the clock. */
  private static Map<String, List<Object>> expected(SparkSession spark, FeatureView view, int lastFile, LocalDateTime clock) {
    try (TempLake batch = new TempLake()) {
      table(batch, "src.events", "select * from (" + ViewStreamTest.EVENTS + ") where " + FILE_OF + " <= " + lastFile);
      new Materializer(spark, batch.layout()).materialize(view, Optional.empty(), Optional.empty());
      Map<String, List<Object>> expected = new LinkedHashMap<>();
      for (Row row : LatestValues.of(view, spark.read().format("delta").load(batch.layout().table(view.offlineTable())),
          Optional.of(clock.plusNanos(1000)), LocalDateTime.now()).orderBy("k").collectAsList()) {
        List<Object> values = new ArrayList<>();
        values.add(row.getAs(OnlineTable.FEATURE_TIME));
        for (FeatureSpec feature : view.features()) {
          Object value = row.getAs(feature.name());
          values.add(value instanceof Integer || value instanceof Long ? (Object) ((Number) value).longValue()
              : value instanceof Number n ? (Object) n.doubleValue() : value);
        }
        expected.put(row.getString(0), values);
      }
      return expected;
    }
  }

  private static Map<String, List<Object>> online(RedisOnlineStore store, FeatureView view) {
    OnlineTable table = LatestValues.table(view);
    Map<EntityKey, FeatureValues> read = store.read(table, List.of("a", "b", "c").stream().map(k -> new EntityKey(List.of(k))).toList());
    Map<String, List<Object>> online = new LinkedHashMap<>();
    for (String k : List.of("a", "b", "c")) {
      FeatureValues values = read.get(new EntityKey(List.of(k)));
      if (values != null) {
        List<Object> row = new ArrayList<>();
        row.add(values.featureTime());
        view.features().forEach(f -> row.add(values.values().get(f.name())));
        online.put(k, row);
      }
    }
    return online;
  }
}
