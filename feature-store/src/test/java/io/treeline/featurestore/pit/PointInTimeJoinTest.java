package io.treeline.featurestore.pit;

import static io.treeline.featurestore.FeatureStoreTestSupport.table;
import static io.treeline.featurestore.FeatureStoreTestSupport.view;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.treeline.core.testing.TempLake;
import io.treeline.core.testing.TestSpark;
import io.treeline.featurestore.offline.Materializer;
import io.treeline.featurestore.spec.FeatureView;
import java.util.List;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/** Hand-built cases: each spine row's expected value is worked out by hand in the comments. */
class PointInTimeJoinTest {
  private static final String VIEW = """
      views:
        - name: stats
          entities: [k]
          source: {table: src.events}
          event_time: ts
          available_at: known
          ttl: 2h
          features:
            - {name: total_3h, expr: v, agg: sum, window: 3h}
            - {name: last_v, expr: v, agg: last}
      """;

  // Event 30 happened at 09:00 but arrived late, at 11:30.
  private static final String EVENTS = """
      select * from values
        ('a', timestamp_ntz'2001-01-01 10:00', timestamp_ntz'2001-01-01 10:00', 10),
        ('a', timestamp_ntz'2001-01-01 10:00', timestamp_ntz'2001-01-01 10:00', 5),
        ('a', timestamp_ntz'2001-01-01 11:00', timestamp_ntz'2001-01-01 11:00', 20),
        ('a', timestamp_ntz'2001-01-01 09:00', timestamp_ntz'2001-01-01 11:30', 30)
      as t(k, ts, known, v)""";

  private static final String SPINE = """
      select * from values
        (1, 'a', timestamp_ntz'2001-01-01 09:59'),
        (2, 'a', timestamp_ntz'2001-01-01 10:00'),
        (3, 'a', timestamp_ntz'2001-01-01 10:00:01'),
        (4, 'a', timestamp_ntz'2001-01-01 11:00'),
        (5, 'a', timestamp_ntz'2001-01-01 11:45'),
        (6, 'a', timestamp_ntz'2001-01-01 11:45'),
        (7, 'a', timestamp_ntz'2001-01-01 16:00'),
        (8, 'zzz', timestamp_ntz'2001-01-01 11:00'),
        (9, null, timestamp_ntz'2001-01-01 11:00')
      as s(id, k, at)""";

  @Test
  void joins_as_of_strictly_before_each_spine_event() {
    try (TempLake lake = new TempLake()) {
      List<Row> rows = joined(lake);

      assertThat(rows).hasSize(9);
      assertThat(row(rows, 1)).as("before any value is known").containsExactly(null, null);
      assertThat(row(rows, 2)).as("values known at the very moment of the event are not yet usable").containsExactly(null, null);
      assertThat(row(rows, 3)).as("two events at the same moment both count").containsExactly(15.0, 10);
      assertThat(row(rows, 4)).as("the 11:00 event is not yet known at 11:00").containsExactly(15.0, 10);
      assertThat(row(rows, 5)).as("the late row counts from its arrival, 11:30").containsExactly(65.0, 30);
      assertThat(row(rows, 6)).as("duplicate spine rows are both kept").containsExactly(65.0, 30);
      // The timeline changed at 14:30 (the late row left the 3h window), but that is no new information:
      // the newest source row became known at 11:30, 4.5 h before 16:00, beyond the 2h ttl.
      assertThat(row(rows, 7)).as("a window exit does not make old values fresh").containsExactly(null, null);
      assertThat(row(rows, 8)).as("an entity the view does not know").containsExactly(null, null);
      assertThat(row(rows, 9)).as("a null key").containsExactly(null, null);
    }
  }

  @Test
  void values_older_than_the_ttl_are_not_used() {
    try (TempLake lake = new TempLake()) {
      table(lake, "src.events", EVENTS);
      FeatureView view = view(lake, VIEW.replace("ttl: 2h", "ttl: 1h"));
      new Materializer(TestSpark.session(), lake.layout()).materialize(view, Optional.empty(), Optional.empty());
      Dataset<Row> spine = TestSpark.session().sql("select 1 as id, 'a' as k, timestamp_ntz'2001-01-01 16:00' as at");

      Row row = PointInTimeJoin.join(spine, "at", view, offline(lake, view), List.of("last_v")).first();

      // The newest source row became known at 11:30, 4.5 h before 16:00: older than the 1h ttl.
      assertThat(row.<Integer>getAs("stats__last_v")).isNull();
    }
  }

  @Test
  void a_late_spine_reads_only_what_it_can_see_and_gets_the_whole_timelines_answer() {
    try (TempLake lake = new TempLake()) {
      // Entity a: known on Jan 1 and Jan 5; b: on Jan 1 only; c: on Jan 1 and again inside the spine's days.
      table(lake, "src.sparse", """
          select * from values
            ('a', timestamp_ntz'2001-01-01 08:00', 1), ('a', timestamp_ntz'2001-01-05 08:00', 2),
            ('b', timestamp_ntz'2001-01-01 08:00', 3),
            ('c', timestamp_ntz'2001-01-01 08:00', 4), ('c', timestamp_ntz'2001-01-09 08:00', 5)
          as t(k, ts, v)""");
      String spec = """
          views:
            - name: sparse
              entities: [k]
              source: {table: src.sparse}
              event_time: ts
              ttl: 7d
              features:
                - {name: last_v, expr: v, agg: last}
          """;
      Dataset<Row> spine = TestSpark.session().sql("""
          select * from values
            (1, 'a', timestamp_ntz'2001-01-08 08:00'), (2, 'a', timestamp_ntz'2001-01-13 08:00'),
            (3, 'b', timestamp_ntz'2001-01-08 08:00:01'), (4, 'c', timestamp_ntz'2001-01-08 08:00:01'),
            (5, 'c', timestamp_ntz'2001-01-10 08:00'), (6, 'b', timestamp_ntz'2001-01-08 08:00')
          as s(id, k, at)""");
      for (String ttl : List.of("ttl: 7d", "")) {
        FeatureView view = view(lake, spec.replace("ttl: 7d", ttl));
        new Materializer(TestSpark.session(), lake.layout()).materialize(view, Optional.empty(), Optional.empty());
        List<Row> bounded = PointInTimeJoin.join(spine, "at", view, offline(lake, view), List.of("last_v"), SpineTimes.of(spine, "at"))
            .orderBy("id").collectAsList();
        List<Integer> values = bounded.stream().map(r -> (Integer) r.getAs("sparse__last_v")).toList();
        if (ttl.isEmpty()) {
          // Without a ttl every row before the spine's first day still counts: the newest one per entity.
          assertThat(values).containsExactly(2, 2, 3, 4, 5, 3);
        } else {
          // Jan 5 is 3 days before Jan 8 (fresh) and 8 days before Jan 13 (stale); Jan 1 08:00 is a second more than
          // the ttl before rows 3 and 4 (stale), and exactly the ttl before row 6, at the spine's first moment (still used).
          assertThat(values).containsExactly(2, null, null, null, 5, 3);
        }
        assertThat(bounded).as("the whole timeline's answer, " + (ttl.isEmpty() ? "no ttl" : ttl))
            .containsExactlyElementsOf(PointInTimeJoin.join(spine, "at", view, offline(lake, view), List.of("last_v")).orderBy("id").collectAsList());
      }
    }
  }

  @Test
  void composite_keys_and_static_views_join_by_every_key() {
    try (TempLake lake = new TempLake()) {
      table(lake, "src.routes", """
          select * from values
            ('ATL', 'LAX', timestamp_ntz'2001-01-01 10:00', 1),
            ('ATL', 'ORD', timestamp_ntz'2001-01-01 10:00', 2),
            ('LAX', 'ATL', timestamp_ntz'2001-01-01 10:00', 3)
          as t(origin, destination, ts, v)""");
      table(lake, "src.airports", "select * from values ('ATL', 'GA'), ('LAX', 'CA') as t(iata, state)");
      List<FeatureView> views = io.treeline.featurestore.FeatureStoreTestSupport.views(lake, """
          views:
            - name: route
              entities: [origin, destination]
              source: {table: src.routes}
              event_time: ts
              features:
                - {name: last_v, expr: v, agg: last}
            - name: dest_airport
              entities: [destination]
              source: {table: src.airports}
              columns: {destination: iata}
              features:
                - {name: state, expr: state}
          """);
      Materializer materializer = new Materializer(TestSpark.session(), lake.layout());
      views.forEach(v -> materializer.materialize(v, Optional.empty(), Optional.empty()));
      Dataset<Row> spine = TestSpark.session().sql("""
          select * from values (1, 'ATL', 'ORD', timestamp_ntz'2001-01-01 12:00'), (2, 'LAX', 'ATL', timestamp_ntz'2001-01-01 12:00'),
            (3, 'ORD', 'LAX', timestamp_ntz'2001-01-01 12:00') as s(id, origin, destination, at)""");

      Dataset<Row> withRoute = PointInTimeJoin.join(spine, "at", views.get(0), offline(lake, views.get(0)), List.of("last_v"));
      List<Row> rows = PointInTimeJoin.join(withRoute, "at", views.get(1), offline(lake, views.get(1)), List.of("state"))
          .orderBy("id").collectAsList();

      assertThat(rows).extracting(r -> r.get(4), r -> r.get(5)).containsExactly(
          org.assertj.core.groups.Tuple.tuple(2, null), org.assertj.core.groups.Tuple.tuple(3, "GA"),
          org.assertj.core.groups.Tuple.tuple(null, "CA"));
      assertThat(rows.get(0).schema().fieldNames()).containsExactly("id", "origin", "destination", "at", "route__last_v", "dest_airport__state");
    }
  }

  @Test
  void a_spine_without_the_entity_key_is_refused() {
    try (TempLake lake = new TempLake()) {
      table(lake, "src.events", EVENTS);
      FeatureView view = view(lake, VIEW);
      new Materializer(TestSpark.session(), lake.layout()).materialize(view, Optional.empty(), Optional.empty());
      Dataset<Row> spine = TestSpark.session().sql("select 1 as id, timestamp_ntz'2001-01-01 16:00' as at");

      assertThatThrownBy(() -> PointInTimeJoin.join(spine, "at", view, offline(lake, view), List.of("last_v")))
          .hasMessage("Cannot join view stats: the spine has no entity key column 'k' (columns: id, at)");
    }
  }

  private static List<Row> joined(TempLake lake) {
    table(lake, "src.events", EVENTS);
    FeatureView view = view(lake, VIEW);
    new Materializer(TestSpark.session(), lake.layout()).materialize(view, Optional.empty(), Optional.empty());
    Dataset<Row> spine = TestSpark.session().sql(SPINE);
    return PointInTimeJoin.join(spine, "at", view, offline(lake, view), List.of("total_3h", "last_v")).orderBy("id").collectAsList();
  }

  private static Dataset<Row> offline(TempLake lake, FeatureView view) {
    return TestSpark.table(lake.layout().table(view.offlineTable()));
  }

  private static List<Object> row(List<Row> rows, int id) {
    Row row = rows.stream().filter(r -> r.getInt(0) == id).findFirst().orElseThrow();
    return java.util.Arrays.asList(row.get(3), row.get(4));
  }
}
