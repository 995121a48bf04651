package io.treeline.featurestore.stream;

import static io.treeline.featurestore.FeatureStoreTestSupport.table;
import static io.treeline.featurestore.FeatureStoreTestSupport.view;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.treeline.core.testing.TempLake;
import io.treeline.core.testing.TestSpark;
import io.treeline.featurestore.offline.Materializer;
import io.treeline.featurestore.offline.ViewSource;
import io.treeline.featurestore.online.EmbeddedOnlineStore;
import io.treeline.featurestore.online.LatestValues;
import io.treeline.featurestore.spec.FeatureView;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/** The stream from event files against features materialize, on hand-made events; Kafka is in the jobs tests. */
class ViewStreamTest {
  /** 240 events of three entities over ten hours, in time order. */
  static final String EVENTS = """
      select chr(97 + cast(id % 3 as int)) as k,
             timestamp_ntz'2001-01-01 00:00:00' + make_dt_interval(0, 0, cast(id * 150 / 60 as int), cast(id * 150 % 60 as int)) as ts,
             cast(id * 37 % 50 as int) as v
      from range(240)""";

  static final String VIEW = """
      views:
        - name: k_stats
          entities: [k]
          source: {table: src.events, filter: v <> 13}
          event_time: ts
          available_at: ts + make_dt_interval(0, 0, v, 0)
          online: true
          features:
            - {name: n_1h, agg: count, window: 1h}
            - {name: avg_1h, expr: v, agg: avg, window: 1h}
            - {name: max_2h, expr: v, agg: max, window: 2h}
            - {name: sd_3h, expr: v, agg: stddev, window: 3h}
            - {name: distinct_1h, expr: v % 7, agg: approx_count_distinct, window: 1h}
            - {name: last_v, expr: v, agg: last}
      """;

  @Test
  void the_stream_gives_the_values_materialize_gives_even_with_events_out_of_order_within_the_watermark() throws Exception {
    SparkSession spark = TestSpark.session();
    try (TempLake batch = new TempLake(); TempLake streamed = new TempLake()) {
      table(batch, "src.events", EVENTS);
      FeatureView view = view(batch, VIEW);
      new Materializer(spark, batch.layout()).materialize(view, Optional.empty(), Optional.empty());

      table(streamed, "src.events", EVENTS + " limit 0");
      Path dir = streamed.root().resolve("incoming");
      // Five files of two hours each; the events of 75-90 minutes into a file's two hours arrive with the next
      // file, 30 to 45 minutes behind events already seen.
      List<Row> events = spark.sql("select k, ts, v, to_json(struct(k, ts, v)) from (" + EVENTS + ") order by ts").collectAsList();
      List<List<String>> files = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        files.add(new ArrayList<>());
      }
      for (Row event : events) {
        LocalDateTime ts = (LocalDateTime) event.get(1);
        int minute = ts.getHour() * 60 + ts.getMinute();
        int file = minute / 120 + (minute % 120 >= 75 && minute % 120 < 90 ? 1 : 0);
        files.get(file).add(0, event.getString(3)); // newest first inside a file, too
      }
      writeFiles(dir, files);

      run(streamed, view, dir);

      assertThat(sorted(spark, streamed, view)).containsExactlyElementsOf(sorted(spark, batch, view));
      assertThat(io.delta.tables.DeltaTable.isDeltaTable(spark, streamed.layout().table(ViewStream.DEAD_LETTERS))).as("no event was late").isFalse();
      // Online: each entity's latest row of the batch table as of the stream's clock, the newest event time.
      LocalDateTime newest = (LocalDateTime) spark.sql(EVENTS).agg(org.apache.spark.sql.functions.max("ts")).first().get(0);
      Dataset<Row> expected = LatestValues.of(view, spark.read().format("delta").load(batch.layout().table(view.offlineTable())),
          Optional.of(newest.plusNanos(1000)), LocalDateTime.now());
      Dataset<Row> online = spark.read().format("delta").load(streamed.layout().table(EmbeddedOnlineStore.table(view.name())));
      assertThat(online.orderBy("k").collectAsList()).containsExactlyElementsOf(expected.orderBy("k").collectAsList());
      assertThat(online.count()).isEqualTo(3);
    }
  }

  @Test
  void a_stream_that_picks_up_where_the_source_table_ends_continues_its_windows() throws Exception {
    SparkSession spark = TestSpark.session();
    try (TempLake batch = new TempLake(); TempLake streamed = new TempLake()) {
      table(batch, "src.events", EVENTS);
      FeatureView view = view(batch, VIEW);
      new Materializer(spark, batch.layout()).materialize(view, Optional.empty(), Optional.empty());

      // The table holds the first five hours; the rest arrives as a stream, in two files.
      table(streamed, "src.events", "select * from (" + EVENTS + ") where ts < timestamp_ntz'2001-01-01 05:00:00'");
      List<String> later = spark.sql("select to_json(struct(k, ts, v)) from (" + EVENTS + ") where ts >= timestamp_ntz'2001-01-01 05:00:00' order by ts")
          .as(org.apache.spark.sql.Encoders.STRING()).collectAsList();
      Path dir = streamed.root().resolve("incoming");
      writeFiles(dir, List.of(later.subList(0, later.size() / 2), later.subList(later.size() / 2, later.size())));

      run(streamed, view, dir);

      // Once the first streamed event is known (05:00 plus at most 49 minutes), every value is the batch's.
      List<Row> expected = spark.read().format("delta").load(batch.layout().table(view.offlineTable()))
          .where("feature_time >= timestamp_ntz'2001-01-01 05:50:00'").orderBy("k", "feature_time").collectAsList();
      List<Row> actual = spark.read().format("delta").load(streamed.layout().table(view.offlineTable()))
          .where("feature_time >= timestamp_ntz'2001-01-01 05:50:00'").orderBy("k", "feature_time").collectAsList();
      assertThat(actual).containsExactlyElementsOf(expected);
    }
  }

  @Test
  void malformed_and_late_events_go_to_the_dead_letters_and_the_good_ones_around_them_count() throws Exception {
    SparkSession spark = TestSpark.session();
    try (TempLake lake = new TempLake()) {
      table(lake, "src.events", EVENTS + " limit 0");
      FeatureView view = view(lake, VIEW);
      Path dir = lake.root().resolve("incoming");
      writeFiles(dir, List.of(
          List.of("{\"k\":\"a\",\"ts\":\"2001-01-01T10:00:00\",\"v\":1}",
              "{\"k\":\"a\",\"ts\":\"2001-01-01T10:05:00\",\"v\":2}"),
          List.of("not json at all",
              "{\"k\":\"a\",\"ts\":\"2001-01-01T10:10:00\",\"v\":3}",
              "{\"ts\":\"2001-01-01T10:11:00\",\"v\":4}",
              "{\"k\":\"b\",\"ts\":\"yesterday\",\"v\":5}",
              "{\"k\":\"b\",\"ts\":\"2001-01-01T10:12:00\",\"v\":\"six\"}",
              "[1, 2]",
              "{\"k\":\"b\",\"ts\":\"2001-01-01T08:00:00\",\"v\":7}",
              "{\"k\":\"b\",\"ts\":\"2001-01-01T10:20:00\",\"v\":8}")));

      run(lake, view, dir);

      List<Row> dead = spark.read().format("delta").load(lake.layout().table(ViewStream.DEAD_LETTERS))
          .orderBy("payload").select("reason", "payload", "view", "file").collectAsList();
      assertThat(dead).extracting(r -> r.getString(0)).containsExactlyInAnyOrder(
          "not a JSON object",
          "not a JSON object",
          "missing k",
          "ts: yesterday is not a timestamp_ntz",
          "v: six is not a int",
          "late: event time 2001-01-01 08:00:00 is before the watermark 2001-01-01 09:05:00 (the newest event so far less stream.watermark-minutes)");
      assertThat(dead).extracting(r -> r.getString(2)).containsOnly("k_stats");
      assertThat(dead).allSatisfy(r -> assertThat(r.getString(3)).contains("events-00002.json"));
      Dataset<Row> log = spark.read().format("delta").load(lake.layout().table(ViewStream.eventLog(view)));
      assertThat(log.count()).isEqualTo(4);
      Row a = spark.read().format("delta").load(lake.layout().table(EmbeddedOnlineStore.table("k_stats"))).where("k = 'a'").first();
      assertThat(a.<Long>getAs("n_1h")).isEqualTo(3);
    }
  }

  @Test
  void a_static_view_or_a_missing_source_table_is_refused_by_name() {
    try (TempLake lake = new TempLake()) {
      FeatureView view = view(lake, VIEW);
      assertThatThrownBy(() -> run(lake, view, lake.root().resolve("incoming")))
          .hasMessageContaining("Cannot stream view k_stats: its source table src.events does not exist");
    }
  }

  static void run(TempLake lake, FeatureView view, Path dir) {
    run(lake, List.of(view), dir);
  }

  static void run(TempLake lake, List<FeatureView> views, Path dir) {
    StreamSettings settings = StreamSettings.from(lake.config(Map.of(
        "stream.files.dir", dir.toString(), "stream.files.max-files-per-trigger", "1", "stream.watermark-minutes", "60")));
    try (EmbeddedOnlineStore store = new EmbeddedOnlineStore(TestSpark.session(), lake.layout(), null);
        StreamRunner runner = StreamRunner.start(TestSpark.session(), lake.layout(), settings, views, store, true)) {
      runner.awaitTermination();
    }
    // However the end reached the status (Spark's terminated event or the runner's close), it keeps the last batch's figures.
    try {
      StreamStatus.readAll(settings.checkpointDir(), TestSpark.session().sparkContext().hadoopConfiguration())
          .forEach((view, status) -> assertThat(status).containsEntry("state", "stopped").containsKeys("input_rows_per_second", "processed_rows_per_second"));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  static void writeFiles(Path dir, List<List<String>> files) throws IOException {
    Files.createDirectories(dir);
    for (int i = 0; i < files.size(); i++) {
      Path file = Files.write(dir.resolve(String.format("events-%05d.json", i + 1)), files.get(i));
      // The file source takes files in the order they were modified.
      Files.setLastModifiedTime(file, java.nio.file.attribute.FileTime.fromMillis(1_000_000_000_000L + i * 1000L));
    }
  }

  private static List<Row> sorted(SparkSession spark, TempLake lake, FeatureView view) {
    return spark.read().format("delta").load(lake.layout().table(view.offlineTable())).orderBy("k", "feature_time").collectAsList();
  }
}
