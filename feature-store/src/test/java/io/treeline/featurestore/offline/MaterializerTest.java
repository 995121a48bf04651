package io.treeline.featurestore.offline;

import static io.treeline.featurestore.FeatureStoreTestSupport.table;
import static io.treeline.featurestore.FeatureStoreTestSupport.view;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.treeline.core.testing.TempLake;
import io.treeline.core.testing.TestSpark;
import io.treeline.featurestore.spec.FeatureView;
import java.time.LocalDateTime;
import java.util.List;
import java.util.Optional;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

class MaterializerTest {
  private static final String EVENTS = """
      select * from values
        ('a', timestamp_ntz'2001-01-01 10:00:00', 10),
        ('a', timestamp_ntz'2001-01-01 10:30:00', 20),
        ('a', timestamp_ntz'2001-01-01 10:30:00', 30),
        ('a', timestamp_ntz'2001-01-01 12:00:00', 40),
        ('b', timestamp_ntz'2001-01-01 10:15:00', 5)
      as t(k, ts, v)""";

  private static final String VIEW = """
      views:
        - name: k_stats
          entities: [k]
          source: {table: src.events}
          event_time: ts
          features:
            - {name: n_1h, agg: count, window: 1h}
            - {name: avg_1h, expr: v, agg: avg, window: 1h}
            - {name: max_1h, expr: v, agg: max, window: 1h}
            - {name: sd_1h, expr: v, agg: stddev, window: 1h}
            - {name: distinct_1h, expr: v % 20, agg: approx_count_distinct, window: 1h}
            - {name: last_v, expr: v, agg: last}
      """;

  @Test
  void a_timeline_changes_when_events_arrive_and_when_they_leave_the_window() {
    try (TempLake lake = new TempLake()) {
      table(lake, "src.events", EVENTS);
      FeatureView view = view(lake, VIEW);

      Materializer.Result result = new Materializer(TestSpark.session(), lake.layout()).materialize(view, Optional.empty(), Optional.empty());

      List<Row> a = rows(lake, "a");
      // 10:00 enters; 10:30 two enter; 11:00 the 10:00 event leaves; 11:30 the 10:30 ones leave;
      // 12:00 enters; 13:00 it leaves.
      assertThat(a).extracting(r -> r.get(0).toString()).containsExactly(
          "2001-01-01T10:00", "2001-01-01T10:30", "2001-01-01T11:00", "2001-01-01T11:30", "2001-01-01T12:00", "2001-01-01T13:00");
      assertThat(a.get(0).<Long>getAs("n_1h")).isEqualTo(1);
      assertThat(a.get(1).<Long>getAs("n_1h")).isEqualTo(3);
      assertThat(a.get(1).<Double>getAs("avg_1h")).isEqualTo(20.0);
      assertThat(a.get(1).<Double>getAs("max_1h")).isEqualTo(30.0);
      assertThat(a.get(1).<Double>getAs("sd_1h")).isEqualTo(10.0);
      assertThat(a.get(1).<Long>getAs("distinct_1h")).isEqualTo(2); // 10 % 20 = 10, 20 % 20 = 0, 30 % 20 = 10
      assertThat(a.get(2).<Long>getAs("n_1h")).isEqualTo(2);
      assertThat(a.get(2).<Double>getAs("avg_1h")).isEqualTo(25.0);
      assertThat(a.get(3).<Long>getAs("n_1h")).isZero();
      assertThat(a.get(3).<Double>getAs("avg_1h")).isNull();
      assertThat(a.get(3).<Integer>getAs("last_v")).isEqualTo(30); // unbounded: the newest value stays
      assertThat(a.get(4).<Integer>getAs("last_v")).isEqualTo(40);
      assertThat(a.get(5).<Long>getAs("n_1h")).isZero();
      assertThat(rows(lake, "b")).hasSize(2);
      assertThat(result.rowsWritten()).isEqualTo(8);
      assertThat(result.deltaVersion()).isZero();
    }
  }

  @Test
  void a_range_replaces_exactly_that_range_and_windows_reach_back_before_it() {
    try (TempLake lake = new TempLake()) {
      table(lake, "src.events", EVENTS);
      FeatureView view = view(lake, VIEW);
      Materializer materializer = new Materializer(TestSpark.session(), lake.layout());
      materializer.materialize(view, Optional.empty(), Optional.empty());
      List<Row> full = TestSpark.table(lake.layout().table(view.offlineTable())).orderBy("k", "feature_time").collectAsList();

      Materializer.Result partial = materializer.materialize(view,
          Optional.of(LocalDateTime.parse("2001-01-01T10:45")), Optional.of(LocalDateTime.parse("2001-01-01T12:30")));

      assertThat(partial.rowsWritten()).isEqualTo(4); // a at 11:00, 11:30 and 12:00; b at 11:15, when its event leaves
      assertThat(partial.deltaVersion()).isEqualTo(1);
      assertThat(TestSpark.table(lake.layout().table(view.offlineTable())).orderBy("k", "feature_time").collectAsList())
          .isEqualTo(full);
    }
  }

  @Test
  void available_at_delays_when_values_count_and_never_precedes_the_event() {
    try (TempLake lake = new TempLake()) {
      table(lake, "src.events", EVENTS);
      FeatureView view = view(lake, """
          views:
            - name: delayed
              entities: [k]
              source: {table: src.events, filter: "k = 'b'"}
              event_time: ts
              available_at: ts + INTERVAL 20 MINUTES
              features:
                - {name: n_1h, agg: count, window: 1h}
            - name: backdated
              entities: [k]
              source: {table: src.events, filter: "k = 'b'"}
              event_time: ts
              available_at: ts - INTERVAL 1 DAY
              features:
                - {name: n_1h, agg: count, window: 1h}
          """);
      FeatureView backdated = io.treeline.featurestore.FeatureStoreTestSupport.views(lake, """
          views:
            - name: backdated
              entities: [k]
              source: {table: src.events, filter: "k = 'b'"}
              event_time: ts
              available_at: ts - INTERVAL 1 DAY
              features:
                - {name: n_1h, agg: count, window: 1h}
          """).get(0);
      Materializer materializer = new Materializer(TestSpark.session(), lake.layout());

      materializer.materialize(view, Optional.empty(), Optional.empty());
      materializer.materialize(backdated, Optional.empty(), Optional.empty());

      assertThat(TestSpark.table(lake.layout().table(view.offlineTable())).orderBy("feature_time").collectAsList())
          .extracting(r -> r.get(1).toString()).containsExactly("2001-01-01T10:35", "2001-01-01T11:35");
      assertThat(TestSpark.table(lake.layout().table(backdated.offlineTable())).orderBy("feature_time").collectAsList())
          .extracting(r -> r.get(1).toString()).containsExactly("2001-01-01T10:15", "2001-01-01T11:15");
    }
  }

  @Test
  void a_run_that_fails_leaves_the_table_as_it_was() {
    try (TempLake lake = new TempLake()) {
      table(lake, "src.events", EVENTS);
      Materializer materializer = new Materializer(TestSpark.session(), lake.layout());
      materializer.materialize(view(lake, VIEW), Optional.empty(), Optional.empty());
      List<Row> before = TestSpark.table(lake.layout().table(view(lake, VIEW).offlineTable())).orderBy("k", "feature_time").collectAsList();
      // v = 10 divides by zero, which fails the job under ANSI SQL, half-way through the write.
      FeatureView failing = view(lake, VIEW.replace("expr: v, agg: avg", "expr: 100 / (v - 10), agg: avg"));

      assertThatThrownBy(() -> materializer.materialize(failing, Optional.empty(), Optional.empty()))
          .hasStackTraceContaining("DIVIDE_BY_ZERO");
      assertThat(io.delta.tables.DeltaTable.forPath(TestSpark.session(), lake.layout().table(failing.offlineTable()))
          .history().count()).isEqualTo(1);
      assertThat(TestSpark.table(lake.layout().table(failing.offlineTable())).orderBy("k", "feature_time").collectAsList())
          .isEqualTo(before);
    }
  }

  @Test
  void concurrent_runs_on_different_ranges_both_land_and_match_a_full_run() throws Exception {
    try (TempLake lake = new TempLake()) {
      table(lake, "src.events", EVENTS);
      FeatureView view = view(lake, VIEW);
      Materializer materializer = new Materializer(TestSpark.session(), lake.layout());
      materializer.materialize(view, Optional.empty(), Optional.empty());
      List<Row> full = TestSpark.table(lake.layout().table(view.offlineTable())).orderBy("k", "feature_time").collectAsList();

      var pool = java.util.concurrent.Executors.newFixedThreadPool(2);
      var first = pool.submit(() -> materializer.materialize(view,
          Optional.of(LocalDateTime.parse("2001-01-01T09:00")), Optional.of(LocalDateTime.parse("2001-01-01T11:00"))));
      var second = pool.submit(() -> materializer.materialize(view,
          Optional.of(LocalDateTime.parse("2001-01-01T11:00")), Optional.of(LocalDateTime.parse("2001-01-01T14:00"))));
      first.get();
      second.get();
      pool.shutdown();

      assertThat(TestSpark.table(lake.layout().table(view.offlineTable())).orderBy("k", "feature_time").collectAsList()).isEqualTo(full);
    }
  }

  @Test
  void a_static_view_with_two_rows_for_an_entity_is_refused_and_nothing_is_written() {
    try (TempLake lake = new TempLake()) {
      table(lake, "src.places", "select * from values ('x', 'CA'), ('x', 'NV'), ('y', 'TX') as t(code, state)");
      FeatureView view = view(lake, """
          views:
            - name: places
              entities: [code]
              source: {table: src.places}
              features:
                - {name: state, expr: state}
          """);

      assertThatThrownBy(() -> new Materializer(TestSpark.session(), lake.layout()).materialize(view, Optional.empty(), Optional.empty()))
          .hasMessage("Cannot materialize view places: 1 entities have more than one row in src.places");
      assertThat(lake.root().resolve("tables/features/places")).doesNotExist();
    }
  }

  private static List<Row> rows(TempLake lake, String key) {
    return TestSpark.table(lake.layout().table(new io.treeline.core.lake.TableName("features", "k_stats")))
        .where("k = '" + key + "'").orderBy("feature_time")
        .select("feature_time", "n_1h", "avg_1h", "max_1h", "sd_1h", "distinct_1h", "last_v").collectAsList();
  }
}
