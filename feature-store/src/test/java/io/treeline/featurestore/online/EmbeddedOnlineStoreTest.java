package io.treeline.featurestore.online;

import static org.assertj.core.api.Assertions.assertThat;

import io.treeline.core.config.TreelineConfig;
import io.treeline.core.lake.LakeHadoop;
import io.treeline.core.testing.TempLake;
import io.treeline.core.testing.TestSpark;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class EmbeddedOnlineStoreTest extends OnlineStoreContract {
  private static TempLake lake;
  private static EmbeddedOnlineStore store;

  @BeforeAll
  static void open() {
    lake = new TempLake();
    // No refresh delay: each read sees the last write, as the contract's write-then-read tests expect.
    store = new EmbeddedOnlineStore(TestSpark.session(), lake.layout(), Duration.ZERO);
  }

  @AfterAll
  static void close() {
    store.close();
    lake.close();
  }

  @Override
  protected OnlineStore store() {
    return store;
  }

  @Test
  void a_server_reads_without_spark_and_sees_a_new_version_only_when_it_refreshes() {
    OnlineTable table = new OnlineTable("served", List.of("k"), List.of("i", "f"));
    store.write(table, TestSpark.session().sql("select 'a' as k, timestamp_ntz'2001-01-01 10:00' as feature_time, 7 as i,"
        + " cast(0.5 as float) as f"));
    TreelineConfig config = lake.config();

    try (OnlineReader reader = OnlineStores.openForServing(config, LakeHadoop.configuration(config))) {
      assertThat(reader).isInstanceOf(EmbeddedOnlineReader.class);
      FeatureValues a = reader.read(table, List.of(EntityKey.of("a"))).get(EntityKey.of("a"));
      assertThat(a.values()).isEqualTo(Map.of("i", 7L, "f", 0.5));
      Timestamp lastCommit = TestSpark.sql("DESCRIBE HISTORY delta.`" + lake.layout().table(EmbeddedOnlineStore.table("served")) + "` LIMIT 1")
          .get(0).getAs("timestamp");
      assertThat(reader.freshness(table).lastWrite()).isEqualTo(lastCommit.toInstant());

      store.write(table, TestSpark.session().sql("select 'a' as k, timestamp_ntz'2001-01-02 10:00' as feature_time, 8 as i,"
          + " cast(null as float) as f"));
      assertThat(reader.read(table, List.of(EntityKey.of("a"))).get(EntityKey.of("a")).values()).containsEntry("i", 7L);
      reader.refresh(table);
      FeatureValues updated = reader.read(table, List.of(EntityKey.of("a"))).get(EntityKey.of("a"));
      assertThat(updated.featureTime()).isEqualTo(LocalDateTime.parse("2001-01-02T10:00"));
      assertThat(updated.values()).containsEntry("i", 8L).containsEntry("f", null);
    }
  }
}
