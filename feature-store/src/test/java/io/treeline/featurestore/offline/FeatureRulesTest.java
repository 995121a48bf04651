package io.treeline.featurestore.offline;

import static io.treeline.featurestore.FeatureStoreTestSupport.table;
import static io.treeline.featurestore.FeatureStoreTestSupport.view;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.treeline.core.error.InvalidInputException;
import io.treeline.core.lake.LakeCatalog;
import io.treeline.core.testing.TempLake;
import io.treeline.core.testing.TestSpark;
import io.treeline.featurestore.pit.PointInTimeJoin;
import io.treeline.featurestore.spec.FeatureSpec;
import io.treeline.featurestore.spec.FeatureView;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.List;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/** The cases users found wrong, each as they reported it, and the rules docs/features.md states. */
class FeatureRulesTest {
  @Test
  void sums_and_standard_deviations_are_exact_on_extreme_values() {
    try (TempLake lake = new TempLake()) {
      table(lake, "src.values", """
          select k, timestamp_ntz'2024-03-04 10:00' + make_dt_interval(0, 0, m, 0) as ts, lv, dv from values
            ('big',    0, 3000000000L, null), ('big', 0, 3500000000L, null), ('big', 0, 4000000000L, null),
            ('millis', 0, 1709546400000L, null), ('millis', 0, 1709546460000L, null),
            ('secs',   0, 1709546400L, null), ('secs', 0, 1709546401L, null), ('secs', 0, 1709546402L, null),
            ('tenths', 0, null, 1709546400.1D), ('tenths', 0, null, 1709546400.2D), ('tenths', 0, null, 1709546400.3D),
            ('tenths', 0, null, 1709546400.4D),
            ('million', 0, null, 1000000.1D), ('million', 0, null, 1000000.2D), ('million', 0, null, 1000000.3D),
            ('overflow', 0, 4000000000000000000L, null), ('overflow', 0, 4000000000000000000L, null),
            ('overflow', 0, 4000000000000000000L, null),
            ('small', 0, null, 1e16D), ('small', 30, null, 1.0D),
            ('zeros', 0, null, 0.0D), ('zeros', 0, null, -0.0D)
          as t(k, m, lv, dv)""");
      FeatureView view = view(lake, """
          views:
            - name: moments
              entities: [k]
              source: {table: src.values}
              event_time: ts
              features:
                - {name: sd_lv, expr: lv, agg: stddev, window: 1h}
                - {name: sum_lv, expr: lv, agg: sum, window: 1h}
                - {name: avg_lv, expr: lv, agg: avg, window: 1h}
                - {name: sd_dv, expr: dv, agg: stddev, window: 1h}
                - {name: sum_dv, expr: dv, agg: sum, window: 1h}
                - {name: distinct_dv, expr: dv, agg: approx_count_distinct, window: 1h}
          """);
      new Materializer(TestSpark.session(), lake.layout()).materialize(view, Optional.empty(), Optional.empty());

      assertThat(at(lake, view, "big", "10:00").<Double>getAs("sd_lv")).isEqualTo(5e8);
      assertThat(at(lake, view, "millis", "10:00").<Double>getAs("sd_lv")).isCloseTo(42426.40687119285, within(1e-9));
      assertThat(at(lake, view, "secs", "10:00").<Double>getAs("sd_lv")).isEqualTo(1.0);
      assertThat(at(lake, view, "tenths", "10:00").<Double>getAs("sd_dv")).isCloseTo(0.12909944, within(1e-6));
      assertThat(at(lake, view, "million", "10:00").<Double>getAs("sd_dv")).isCloseTo(0.1, within(1e-9));
      assertThat(at(lake, view, "overflow", "10:00").<Double>getAs("sum_lv")).isEqualTo(1.2e19);
      assertThat(at(lake, view, "overflow", "10:00").<Double>getAs("avg_lv")).isEqualTo(4e18);
      assertThat(at(lake, view, "overflow", "10:00").<Double>getAs("sd_lv")).isEqualTo(0.0);
      // 1e16 left the window at 11:00; the 1.0 that came after it must still be there.
      assertThat(at(lake, view, "small", "11:00").<Double>getAs("sum_dv")).isEqualTo(1.0);
      assertThat(at(lake, view, "zeros", "10:00").<Long>getAs("distinct_dv")).isEqualTo(1L);
    }
  }

  private static final String LAST_VIEW = """
      views:
        - name: sensors
          entities: [k]
          source: {table: src.readings}
          event_time: ts
          ttl: 2h
          features:
            - {name: n_1h, agg: count, window: 1h}
            - {name: last_s, expr: s, agg: last}
      """;

  @Test
  void the_ttl_is_the_age_of_the_newest_source_row_and_a_range_run_equals_the_full_run() {
    try (TempLake lake = new TempLake(); TempLake ranged = new TempLake()) {
      String readings = """
          select * from values
            ('a', timestamp_ntz'2024-03-01 10:00', 'learned long ago'),
            ('b', timestamp_ntz'2024-03-02 12:00', 'old'),
            ('b', timestamp_ntz'2024-03-12 06:00', cast(null as string))
          as t(k, ts, s)""";
      table(lake, "src.readings", readings);
      table(ranged, "src.readings", readings);
      FeatureView view = view(lake, LAST_VIEW);
      new Materializer(TestSpark.session(), lake.layout()).materialize(view, Optional.empty(), Optional.empty());
      Materializer rangeRuns = new Materializer(TestSpark.session(), ranged.layout());
      rangeRuns.materialize(view, Optional.empty(), Optional.of(LocalDateTime.parse("2024-03-10T00:00")));
      rangeRuns.materialize(view, Optional.of(LocalDateTime.parse("2024-03-10T00:00")), Optional.of(LocalDateTime.parse("2024-03-13T00:00")));
      rangeRuns.materialize(view, Optional.of(LocalDateTime.parse("2024-03-13T00:00")), Optional.empty());

      String spine = """
          select * from values
            (1, 'a', timestamp_ntz'2024-03-01 12:00'), (2, 'a', timestamp_ntz'2024-03-01 12:00:00.000001'),
            (3, 'a', timestamp_ntz'2024-03-08 12:00'), (4, 'b', timestamp_ntz'2024-03-12 06:10')
          as s(id, k, at)""";
      for (TempLake each : List.of(lake, ranged)) {
        List<Row> rows = join(each, view, spine);
        assertThat(rows.get(0).<String>getAs("sensors__last_s")).as("exactly the ttl old").isEqualTo("learned long ago");
        assertThat(rows.get(1).<String>getAs("sensors__last_s")).as("a microsecond past the ttl").isNull();
        assertThat(rows.get(2).<String>getAs("sensors__last_s")).as("a week later, after a window exit").isNull();
        assertThat(rows.get(3).<String>getAs("sensors__last_s")).as("b's newest row is 10 minutes old; last skips its null")
            .isEqualTo("old");
      }
      assertThat(timeline(ranged, view)).containsExactlyElementsOf(timeline(lake, view));
    }
  }

  @Test
  void the_documented_rules_for_last_row_level_empty_windows_and_missing_availability() {
    try (TempLake lake = new TempLake()) {
      table(lake, "src.readings", """
          select * from values
            ('a', timestamp_ntz'2024-03-01 10:00', timestamp_ntz'2024-03-01 11:00', 'late'),
            ('a', timestamp_ntz'2024-03-01 10:30', cast(null as timestamp_ntz), 'early'),
            ('a', timestamp_ntz'2024-03-01 12:00', cast(null as timestamp_ntz), cast(null as string))
          as t(k, ts, known, s)""");
      FeatureView view = view(lake, """
          views:
            - name: rules
              entities: [k]
              source: {table: src.readings}
              event_time: ts
              available_at: known
              features:
                - {name: distinct_1h, expr: s, agg: approx_count_distinct, window: 1h}
                - {name: last_s, expr: s, agg: last}
                - {name: s_now, expr: s}
          """);
      new Materializer(TestSpark.session(), lake.layout()).materialize(view, Optional.empty(), Optional.empty());

      Row afterLate = at(lake, view, "a", "11:00");
      assertThat(afterLate.<String>getAs("last_s")).as("the most recently available row, not the latest event").isEqualTo("late");
      assertThat(afterLate.<String>getAs("s_now")).isEqualTo("late");
      assertThat(at(lake, view, "a", "10:30").<String>getAs("s_now")).as("a null available_at is the event time").isEqualTo("early");
      Row afterNull = at(lake, view, "a", "12:00");
      assertThat(afterNull.<String>getAs("s_now")).as("row-level: the newest row's value, even null").isNull();
      assertThat(afterNull.<String>getAs("last_s")).as("last: the newest value that is not null").isEqualTo("late");
      assertThat(at(lake, view, "a", "13:00").<Long>getAs("distinct_1h")).as("an empty window counts 0").isZero();
    }
  }

  @Test
  void rows_without_a_usable_event_time_are_left_out_and_counted_and_strict_writes_nothing() throws Exception {
    try (TempLake lake = new TempLake()) {
      table(lake, "src.raw", """
          select * from values
            ('a', '2024-03-01 10:00:00', 1), ('a', null, 2), ('b', 'yesterday-ish', 3), ('b', '2024-03-01 11:00:00', 4)
          as t(k, ts, v)""");
      FeatureView view = view(lake, """
          views:
            - name: loose
              entities: [k]
              source: {table: src.raw}
              event_time: ts
              features:
                - {name: total_1h, expr: v, agg: sum, window: 1h}
          """);
      Materializer materializer = new Materializer(TestSpark.session(), lake.layout());
      Path table = Path.of(lake.layout().table(view.offlineTable()));

      assertThatThrownBy(() -> materializer.materialize(view, Optional.empty(), Optional.empty(), true))
          .isInstanceOf(InvalidInputException.class)
          .hasMessageContaining("2 source rows have no event time, or one that does not parse as a timestamp")
          .hasMessageContaining("for example k=");
      assertThat(Files.exists(table)).as("nothing written").isFalse();

      Materializer.Result result = materializer.materialize(view, Optional.empty(), Optional.empty());
      assertThat(result.unplacedRows()).isEqualTo(2);
      assertThat(result.unplacedExample()).hasValueSatisfying(e -> assertThat(e).contains("event time null"));
      assertThat(result.rowsWritten()).isEqualTo(4); // a: 10:00 and 11:00; b: 11:00 and 12:00
      assertThat(new LakeCatalog(TestSpark.session(), lake.layout()).registerAll()).contains(view.offlineTable());
    }
  }

  private static Row at(TempLake lake, FeatureView view, String key, String time) {
    return TestSpark.session().read().format("delta").load(lake.layout().table(view.offlineTable()))
        .where("k = '" + key + "' and date_format(feature_time, 'HH:mm') = '" + time + "'").first();
  }

  private static List<Row> join(TempLake lake, FeatureView view, String spine) {
    Dataset<Row> offline = TestSpark.session().read().format("delta").load(lake.layout().table(view.offlineTable()));
    return PointInTimeJoin.join(TestSpark.session().sql(spine), "at", view, offline,
        view.features().stream().map(FeatureSpec::name).toList()).orderBy("id").collectAsList();
  }

  private static List<Row> timeline(TempLake lake, FeatureView view) {
    return TestSpark.session().read().format("delta").load(lake.layout().table(view.offlineTable()))
        .orderBy("k", "feature_time").collectAsList();
  }
}
