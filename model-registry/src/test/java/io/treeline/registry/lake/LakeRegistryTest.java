package io.treeline.registry.lake;

import static org.assertj.core.api.Assertions.assertThat;

import io.treeline.core.lake.LakeHadoop;
import io.treeline.core.testing.TempLake;
import io.treeline.core.testing.TestSpark;
import io.treeline.registry.LoggedRun;
import io.treeline.registry.ModelRef;
import io.treeline.registry.ModelRegistry;
import io.treeline.registry.ModelRegistryContract;
import io.treeline.registry.ModelVersion;
import io.treeline.registry.RunRecord;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class LakeRegistryTest extends ModelRegistryContract {
  private static TempLake lake;
  private static Configuration hadoop;
  private static LakeRegistry registry;

  @BeforeAll
  static void open() {
    lake = new TempLake();
    hadoop = LakeHadoop.configuration(lake.config()); // no SparkSession: the registry never asks for one
    registry = new LakeRegistry(lake.layout(), hadoop);
  }

  @AfterAll
  static void close() {
    lake.close();
  }

  @Override
  protected ModelRegistry registry() {
    return registry;
  }

  /** Each thread its own registry object, as separate processes would be; only Delta arbitrates. */
  @Override
  protected ModelRegistry concurrentRegistry() {
    return new LakeRegistry(lake.layout(), hadoop);
  }

  @Test
  void packages_live_under_the_lake_and_an_alias_move_is_one_commit() {
    String name = newModelName();
    ModelVersion version = registry.register(name, logRun(0.7), "model", Map.of());
    assertThat(version.source()).isEqualTo(lake.layout().modelVersion(name, 1));
    registry.register(name, logRun(0.8), "model", Map.of());
    registry.setAlias(name, "champion", 1);

    String aliases = lake.layout().table(RegistryTables.ALIASES);
    long before = TestSpark.sql("DESCRIBE HISTORY delta.`" + aliases + "`").size();
    registry.setAlias(name, "champion", 2);
    List<Row> history = TestSpark.sql("DESCRIBE HISTORY delta.`" + aliases + "`");
    assertThat(history).hasSize((int) before + 1);
    assertThat(history.get(0).<String>getAs("operation")).isEqualTo("WRITE");
    // What treeline sql shows: Spark reads the tables Kernel wrote.
    assertThat(TestSpark.sql("SELECT alias, version FROM delta.`" + aliases + "` WHERE name = '" + name + "'"))
        .extracting(Object::toString).containsExactly("[champion,2]");
  }

  @Test
  void the_change_marker_moves_with_a_registration_or_an_alias_and_only_then() {
    String name = newModelName();
    registry.register(name, logRun(0.7), "model", Map.of());
    Object first = registry.changeMarker();
    assertThat(registry.changeMarker()).isEqualTo(first);
    registry.register(name, logRun(0.8), "model", Map.of());
    Object second = registry.changeMarker();
    assertThat(second).isNotEqualTo(first);
    registry.setAlias(name, "champion", 2);
    assertThat(registry.changeMarker()).isNotEqualTo(second);
    assertThat(registry.resolve(ModelRef.parse(name + "@champion")).version()).isEqualTo(2);
  }

  @Test
  void a_registry_that_spark_made_before_kernel_keeps_working_and_spark_reads_what_kernel_wrote() {
    try (TempLake old = new TempLake()) {
      // The tables as the Spark registry made and wrote them: NOT NULL columns, Serializable, a MERGE and an UPDATE.
      String runs = sparkTable(old, RegistryTables.RUNS, "run_id STRING NOT NULL, experiment STRING NOT NULL, status STRING NOT NULL,"
          + " start_time TIMESTAMP, end_time TIMESTAMP, artifact_uri STRING NOT NULL, params MAP<STRING, STRING>,"
          + " metrics MAP<STRING, DOUBLE>, tags MAP<STRING, STRING>");
      String versions = sparkTable(old, RegistryTables.VERSIONS, "name STRING NOT NULL, version BIGINT NOT NULL, status STRING NOT NULL,"
          + " run_id STRING, source STRING NOT NULL, created_at TIMESTAMP NOT NULL, registration_id STRING NOT NULL");
      String tags = sparkTable(old, RegistryTables.VERSION_TAGS, "name STRING NOT NULL, version BIGINT NOT NULL, key STRING NOT NULL, value STRING");
      String aliases = sparkTable(old, RegistryTables.ALIASES, "name STRING NOT NULL, alias STRING NOT NULL, version BIGINT NOT NULL,"
          + " updated_at TIMESTAMP NOT NULL");
      String source = runDirectory(old.root(), 0.7).resolve("model").toString();
      TestSpark.sql("INSERT INTO delta.`" + runs + "` VALUES ('r1', 'old', 'FINISHED', timestamp'2020-01-01 00:00:00 UTC', null, '"
          + old.root() + "/runs/r1', map('numTrees', '3'), map('test_auc', 0.7D), map())");
      TestSpark.sql("MERGE INTO delta.`" + versions + "` t USING (SELECT 'old' AS name, 1L AS version, 'PENDING_REGISTRATION' AS status,"
          + " 'r1' AS run_id, '" + source + "' AS source, timestamp'2020-01-01 00:00:00 UTC' AS created_at, 'x' AS registration_id) s"
          + " ON t.name = s.name AND t.version = s.version WHEN NOT MATCHED THEN INSERT *");
      TestSpark.sql("UPDATE delta.`" + versions + "` SET status = 'READY' WHERE name = 'old' AND version = 1");
      TestSpark.sql("INSERT INTO delta.`" + tags + "` VALUES ('old', 1, 'team', 'delays')");
      TestSpark.sql("INSERT INTO delta.`" + aliases + "` VALUES ('old', 'champion', 1, current_timestamp())");

      LakeRegistry kernel = new LakeRegistry(old.layout(), hadoop);
      ModelVersion champion = kernel.resolve(ModelRef.parse("old@champion"));
      assertThat(champion.version()).isEqualTo(1);
      assertThat(champion.createdAt()).isEqualTo(Instant.parse("2020-01-01T00:00:00Z"));
      assertThat(champion.tags()).isEqualTo(Map.of("team", "delays"));
      LoggedRun run = kernel.logRun(new RunRecord("r2", "old", runDirectory(old.root(), 0.8).toString(), Map.of(), Map.of("test_auc", 0.8),
          Map.of(), Instant.parse("2020-02-01T00:00:00Z"), null, true));
      assertThat(kernel.register("old", run, "model", Map.of("team", "delays")).version()).isEqualTo(2);
      kernel.setAlias("old", "champion", 2);

      assertThat(TestSpark.sql("SELECT version, status FROM delta.`" + versions + "` ORDER BY version")).extracting(Object::toString)
          .containsExactly("[1,READY]", "[2,READY]");
      assertThat(TestSpark.sql("SELECT alias, version FROM delta.`" + aliases + "`")).extracting(Object::toString).containsExactly("[champion,2]");
      assertThat(TestSpark.sql("SELECT run_id, metrics['test_auc'], end_time FROM delta.`" + runs + "` ORDER BY run_id"))
          .extracting(Object::toString).containsExactly("[r1,0.7,null]", "[r2,0.8,null]");
      assertThat(TestSpark.sql("SHOW TBLPROPERTIES delta.`" + versions + "` ('delta.isolationLevel')").get(0).getString(1)).isEqualTo("Serializable");
    }
  }

  private static String sparkTable(TempLake lake, io.treeline.core.lake.TableName table, String columns) {
    String location = lake.layout().table(table);
    TestSpark.sql("CREATE TABLE delta.`" + location + "` (" + columns + ") USING delta TBLPROPERTIES ('delta.isolationLevel' = 'Serializable')");
    return location;
  }
}
