package io.treeline.registry.lake;

import static org.assertj.core.api.Assertions.assertThat;

import io.treeline.core.testing.TempLake;
import io.treeline.core.testing.TestSpark;
import io.treeline.registry.ModelRegistry;
import io.treeline.registry.ModelRegistryContract;
import io.treeline.registry.ModelVersion;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class LakeRegistryTest extends ModelRegistryContract {
  private static TempLake lake;
  private static LakeRegistry registry;

  @BeforeAll
  static void open() {
    lake = new TempLake();
    registry = new LakeRegistry(TestSpark.session(), lake.layout());
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
    return new LakeRegistry(TestSpark.session(), lake.layout());
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
    assertThat(history.get(0).<String>getAs("operation")).isEqualTo("MERGE");
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
    assertThat(registry.resolve(io.treeline.registry.ModelRef.parse(name + "@champion")).version()).isEqualTo(2);
  }
}
