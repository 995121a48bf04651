package io.treeline.jobs.score;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.delta.tables.DeltaTable;
import io.treeline.core.error.Errors;
import io.treeline.core.lake.LakeLayout;
import io.treeline.core.lake.TableName;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.DataFrameWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The Delta table a scoring run writes. The rows land in one commit (so a failed run leaves the
 * table as it was), which carries what produced them in its user metadata; the table's
 * properties then say which model and inputs the newest run used.
 */
final class ScoreTable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final SparkSession spark;
  private final String location;
  private final TableName name;

  ScoreTable(SparkSession spark, LakeLayout layout, TableName name) {
    this.spark = spark;
    this.location = layout.table(name);
    this.name = name;
  }

  record Written(long rows, long deltaVersion) {}

  Written write(Dataset<Row> rows, ScoreWriteMode mode, Map<String, String> properties) {
    boolean exists = DeltaTable.isDeltaTable(spark, location);
    DataFrameWriter<Row> writer = rows.write().format("delta").option("userMetadata", json(properties));
    switch (mode.kind()) {
      case OVERWRITE -> writer = writer.mode("overwrite").option("overwriteSchema", "true");
      case APPEND -> writer = writer.mode("append");
      case REPLACE_WHERE -> writer = writer.mode("overwrite").option("replaceWhere", mode.condition());
    }
    try {
      writer.save(location);
    } catch (Exception e) { // Delta's AnalysisExceptions are checked in Scala and undeclared in Java
      throw refused(e, mode, exists);
    }
    DeltaTable table = DeltaTable.forPath(spark, location);
    Row commit = table.history(1).select("version", "operationMetrics").first();
    long version = commit.getLong(0);
    Map<String, String> metrics = commit.getJavaMap(1);
    String assignments = properties.entrySet().stream()
        .map(e -> "'" + escape(e.getKey()) + "' = '" + escape(e.getValue()) + "'").collect(Collectors.joining(", "));
    spark.sql("ALTER TABLE delta.`" + location + "` SET TBLPROPERTIES (" + assignments + ")");
    return new Written(rows(metrics), version);
  }

  /** Delta leaves numOutputRows out of a commit that added no file (an empty day): that is zero rows. */
  private static long rows(Map<String, String> metrics) {
    if (metrics.containsKey("numOutputRows")) {
      return Long.parseLong(metrics.get("numOutputRows"));
    }
    String files = metrics.getOrDefault("numFiles", metrics.getOrDefault("numAddedFiles", "0"));
    return files.equals("0") ? 0 : -1;
  }

  private RuntimeException refused(Exception e, ScoreWriteMode mode, boolean exists) {
    String message = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
    if (mode.kind() == ScoreWriteMode.Kind.REPLACE_WHERE && message.toLowerCase().contains("replacewhere")
        || message.contains("does not conform to partial table overwrite")) {
      return Errors.invalidInput("write", name.toString(), "a scored row does not match --mode " + mode + " (" + message + ")",
          "Select only rows inside the replaced range in --sql, or widen the condition; nothing was written.", e);
    }
    if (exists && mode.kind() != ScoreWriteMode.Kind.OVERWRITE && (message.contains("schema") || message.contains("Schema"))) {
      return Errors.invalidInput("write", name.toString(), "the scores do not match the table's columns (" + message + ")",
          "Write to another --out, or replace the table with --mode overwrite; nothing was written.", e);
    }
    if (e instanceof RuntimeException runtime) {
      return runtime;
    }
    return new IllegalStateException(e);
  }

  private static String json(Map<String, String> properties) {
    try {
      return JSON.writeValueAsString(properties);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String escape(String value) {
    return value.replace("\\", "\\\\").replace("'", "\\'");
  }
}
