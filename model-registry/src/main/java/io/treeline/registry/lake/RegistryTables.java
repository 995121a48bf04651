package io.treeline.registry.lake;

import io.delta.kernel.types.DoubleType;
import io.delta.kernel.types.LongType;
import io.delta.kernel.types.MapType;
import io.delta.kernel.types.StringType;
import io.delta.kernel.types.StructType;
import io.delta.kernel.types.TimestampType;
import io.treeline.core.lake.KernelTables;
import io.treeline.core.lake.LakeLayout;
import io.treeline.core.lake.TableName;
import java.util.Map;

/**
 * The Delta tables of the lake registry, in the {@code registry} namespace (so {@code treeline sql}
 * can query them). Every write rewrites its table on top of the version it read and fails when any
 * commit came in between ({@link KernelTables#rewrite}), so two registrations that read the same
 * latest version conflict and the second retries with the next number. Tables made by Treeline
 * before Delta Kernel also carry {@code delta.isolationLevel=Serializable}, which Kernel 4.4 refuses
 * to set on the tables it makes; Treeline's own writes no longer need it.
 */
final class RegistryTables {
  static final TableName RUNS = new TableName("registry", "runs");
  static final TableName VERSIONS = new TableName("registry", "model_versions");
  static final TableName VERSION_TAGS = new TableName("registry", "version_tags");
  static final TableName ALIASES = new TableName("registry", "aliases");

  static final StructType RUNS_SCHEMA = new StructType()
      .add("run_id", StringType.STRING, false)
      .add("experiment", StringType.STRING, false)
      .add("status", StringType.STRING, false)
      .add("start_time", TimestampType.TIMESTAMP)
      .add("end_time", TimestampType.TIMESTAMP)
      .add("artifact_uri", StringType.STRING, false)
      .add("params", new MapType(StringType.STRING, StringType.STRING, true))
      .add("metrics", new MapType(StringType.STRING, DoubleType.DOUBLE, true))
      .add("tags", new MapType(StringType.STRING, StringType.STRING, true));
  static final StructType VERSIONS_SCHEMA = new StructType()
      .add("name", StringType.STRING, false)
      .add("version", LongType.LONG, false)
      .add("status", StringType.STRING, false)
      .add("run_id", StringType.STRING)
      .add("source", StringType.STRING, false)
      .add("created_at", TimestampType.TIMESTAMP, false)
      .add("registration_id", StringType.STRING, false);
  static final StructType VERSION_TAGS_SCHEMA = new StructType()
      .add("name", StringType.STRING, false)
      .add("version", LongType.LONG, false)
      .add("key", StringType.STRING, false)
      .add("value", StringType.STRING);
  static final StructType ALIASES_SCHEMA = new StructType()
      .add("name", StringType.STRING, false)
      .add("alias", StringType.STRING, false)
      .add("version", LongType.LONG, false)
      .add("updated_at", TimestampType.TIMESTAMP, false);

  private RegistryTables() {}

  static void createIfMissing(KernelTables tables, LakeLayout layout) {
    Map.of(RUNS, RUNS_SCHEMA, VERSIONS, VERSIONS_SCHEMA, VERSION_TAGS, VERSION_TAGS_SCHEMA, ALIASES, ALIASES_SCHEMA)
        .forEach((table, schema) -> tables.createIfMissing(layout.table(table), schema, Map.of()));
  }
}
