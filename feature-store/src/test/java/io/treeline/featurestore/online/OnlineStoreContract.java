package io.treeline.featurestore.online;

import static org.assertj.core.api.Assertions.assertThat;

import io.treeline.core.testing.TestSpark;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/** What every online store must do; each implementation runs it against a real backend. */
abstract class OnlineStoreContract {
  protected abstract OnlineStore store();

  /** A fresh view name per test, so tests never see each other's entities. */
  private static OnlineTable table(String... features) {
    return new OnlineTable("v" + UUID.randomUUID().toString().replace("-", "").substring(0, 10), List.of("k"), List.of(features));
  }

  private static Dataset<Row> rows(String sql) {
    return TestSpark.session().sql(sql);
  }

  @Test
  void round_trips_every_value_type_and_nulls() {
    OnlineTable table = table("n", "x", "s", "b", "missing");
    store().write(table, rows("select 'a' as k, timestamp_ntz'2001-01-01 10:00' as feature_time, 42L as n, 1.5D as x,"
        + " 'CA' as s, true as b, cast(null as double) as missing"));

    FeatureValues a = store().read(table, List.of(EntityKey.of("a"))).get(EntityKey.of("a"));

    assertThat(a.featureTime()).isEqualTo(LocalDateTime.parse("2001-01-01T10:00"));
    assertThat(a.values()).containsEntry("n", 42L).containsEntry("x", 1.5).containsEntry("s", "CA").containsEntry("b", true)
        .containsEntry("missing", null);
  }

  @Test
  void composite_keys_with_awkward_characters_read_back() {
    OnlineTable table = new OnlineTable("route" + UUID.randomUUID().toString().substring(0, 8).replace("-", ""),
        List.of("origin", "destination"), List.of("n"));
    store().write(table, rows("select * from values ('A|B', 'C:D', timestamp_ntz'2001-01-01 10:00', 1L),"
        + " ('A', 'B|C:D', timestamp_ntz'2001-01-01 10:00', 2L) as t(origin, destination, feature_time, n)"));

    Map<EntityKey, FeatureValues> found = store().read(table, List.of(EntityKey.of("A|B", "C:D"), EntityKey.of("A", "B|C:D")));

    assertThat(found.get(EntityKey.of("A|B", "C:D")).values()).containsEntry("n", 1L);
    assertThat(found.get(EntityKey.of("A", "B|C:D")).values()).containsEntry("n", 2L);
  }

  @Test
  void reads_many_entities_in_one_call_and_leaves_out_the_unknown() {
    OnlineTable table = table("n");
    store().write(table, rows("select concat('e', id) as k, timestamp_ntz'2001-01-01 10:00' as feature_time, id as n from range(10000)"));

    List<EntityKey> wanted = new ArrayList<>();
    IntStream.range(0, 100).forEach(i -> wanted.add(EntityKey.of("e" + (i * 97))));
    wanted.add(EntityKey.of("nobody"));
    Map<EntityKey, FeatureValues> found = store().read(table, wanted);

    assertThat(found).hasSize(100).doesNotContainKey(EntityKey.of("nobody"));
    assertThat(found.get(EntityKey.of("e9603")).values()).containsEntry("n", 9603L);
    assertThat(store().freshness(table).entities()).isEqualTo(10000);
  }

  @Test
  void an_older_row_never_replaces_a_newer_one() {
    OnlineTable table = table("n");
    store().write(table, rows("select 'a' as k, timestamp_ntz'2001-01-02 00:00' as feature_time, 2L as n"));
    store().write(table, rows("select 'a' as k, timestamp_ntz'2001-01-01 00:00' as feature_time, 1L as n"));
    // Within one batch the newest row of an entity wins.
    store().write(table, rows("select * from values ('b', timestamp_ntz'2001-01-03 00:00', 3L), ('b', timestamp_ntz'2001-01-01 00:00', 1L)"
        + " as t(k, feature_time, n)"));

    Map<EntityKey, FeatureValues> found = store().read(table, List.of(EntityKey.of("a"), EntityKey.of("b")));

    assertThat(found.get(EntityKey.of("a")).values()).containsEntry("n", 2L);
    assertThat(found.get(EntityKey.of("b")).values()).containsEntry("n", 3L);
  }

  @Test
  void a_replay_of_the_same_moment_replaces_and_freshness_tracks_the_newest() {
    OnlineTable table = table("n");
    store().write(table, rows("select * from values ('a', timestamp_ntz'2001-01-02 00:00', 1L), ('b', timestamp_ntz'2001-01-05 00:00', 5L)"
        + " as t(k, feature_time, n)"));
    store().write(table, rows("select 'a' as k, timestamp_ntz'2001-01-02 00:00' as feature_time, 7L as n"));

    assertThat(store().read(table, List.of(EntityKey.of("a"))).get(EntityKey.of("a")).values()).containsEntry("n", 7L);
    Freshness freshness = store().freshness(table);
    assertThat(freshness.newestFeatureTime()).isEqualTo(LocalDateTime.parse("2001-01-05T00:00"));
    assertThat(freshness.entities()).isEqualTo(2);
    assertThat(freshness.lastWrite()).isNotNull();
  }

  @Test
  void freshness_tracks_the_newest_source_time_apart_from_the_features() {
    OnlineTable table = table("n");
    store().write(table, rows("select * from values"
        + " ('a', timestamp_ntz'2001-01-09 00:00', timestamp_ntz'2001-01-02 00:00', 1L),"
        + " ('b', timestamp_ntz'2001-01-05 00:00', timestamp_ntz'2001-01-04 00:00', 5L) as t(k, feature_time, source_time, n)"));

    Freshness freshness = store().freshness(table);
    assertThat(freshness.newestFeatureTime()).isEqualTo(LocalDateTime.parse("2001-01-09T00:00"));
    assertThat(freshness.newestSourceTime()).isEqualTo(LocalDateTime.parse("2001-01-04T00:00"));
    assertThat(store().read(table, List.of(EntityKey.of("a"))).get(EntityKey.of("a")).values()).containsOnlyKeys("n");
  }

  @Test
  void a_view_never_sees_another_views_entities() {
    OnlineTable first = table("n");
    OnlineTable second = table("n");
    store().write(first, rows("select 'a' as k, timestamp_ntz'2001-01-01 00:00' as feature_time, 1L as n"));

    assertThat(store().read(second, List.of(EntityKey.of("a")))).isEmpty();
    assertThat(store().freshness(second).entities()).isZero();
  }
}
