package io.treeline.registry.lake;

import io.delta.tables.DeltaTable;
import io.treeline.core.lake.LakeLayout;
import io.treeline.core.lake.TableName;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The Delta tables of the lake registry, in the {@code registry} namespace (so {@code treeline sql}
 * can query them). Serializable isolation makes two registrations that read the same latest
 * version conflict, so that the second one retries with the next number.
 */
final class RegistryTables {
  static final TableName RUNS = new TableName("registry", "runs");
  static final TableName VERSIONS = new TableName("registry", "model_versions");
  static final TableName VERSION_TAGS = new TableName("registry", "version_tags");
  static final TableName ALIASES = new TableName("registry", "aliases");

  static final StructType RUNS_SCHEMA = new StructType()
      .add("run_id", DataTypes.StringType, false)
      .add("experiment", DataTypes.StringType, false)
      .add("status", DataTypes.StringType, false)
      .add("start_time", DataTypes.TimestampType)
      .add("end_time", DataTypes.TimestampType)
      .add("artifact_uri", DataTypes.StringType, false)
      .add("params", DataTypes.createMapType(DataTypes.StringType, DataTypes.StringType))
      .add("metrics", DataTypes.createMapType(DataTypes.StringType, DataTypes.DoubleType))
      .add("tags", DataTypes.createMapType(DataTypes.StringType, DataTypes.StringType));
  static final StructType VERSIONS_SCHEMA = new StructType()
      .add("name", DataTypes.StringType, false)
      .add("version", DataTypes.LongType, false)
      .add("status", DataTypes.StringType, false)
      .add("run_id", DataTypes.StringType)
      .add("source", DataTypes.StringType, false)
      .add("created_at", DataTypes.TimestampType, false)
      .add("registration_id", DataTypes.StringType, false);
  static final StructType VERSION_TAGS_SCHEMA = new StructType()
      .add("name", DataTypes.StringType, false)
      .add("version", DataTypes.LongType, false)
      .add("key", DataTypes.StringType, false)
      .add("value", DataTypes.StringType);
  static final StructType ALIASES_SCHEMA = new StructType()
      .add("name", DataTypes.StringType, false)
      .add("alias", DataTypes.StringType, false)
      .add("version", DataTypes.LongType, false)
      .add("updated_at", DataTypes.TimestampType, false);

  private static final Object CREATE_LOCK = new Object();

  private RegistryTables() {}

  static void createIfMissing(SparkSession spark, LakeLayout layout) {
    synchronized (CREATE_LOCK) {
      for (Map.Entry<TableName, StructType> table : Map.of(RUNS, RUNS_SCHEMA, VERSIONS, VERSIONS_SCHEMA,
          VERSION_TAGS, VERSION_TAGS_SCHEMA, ALIASES, ALIASES_SCHEMA).entrySet()) {
        String location = layout.table(table.getKey());
        if (DeltaTable.isDeltaTable(spark, location)) {
          continue;
        }
        try {
          DeltaTable.createIfNotExists(spark).location(location).addColumns(table.getValue())
              .property("delta.isolationLevel", "Serializable").execute();
        } catch (RuntimeException e) {
          // Another process created it between the check and the commit.
          if (!DeltaTable.isDeltaTable(spark, location)) {
            throw e;
          }
        }
      }
    }
  }
}
