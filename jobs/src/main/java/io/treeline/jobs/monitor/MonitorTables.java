package io.treeline.jobs.monitor;

import io.delta.tables.DeltaTable;
import io.treeline.core.lake.LakeCatalog;
import io.treeline.core.lake.LakeLayout;
import io.treeline.core.lake.TableName;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The monitoring tables, one long-format Delta table per kind of check. A run replaces exactly the
 * figures of its model (and version, when given) and range with Delta's replaceWhere, in one commit
 * per table, so a rerun of a range leaves the same rows and a reader never sees half a run.
 */
final class MonitorTables {
  static final TableName DRIFT = new TableName("monitoring", "drift");
  static final TableName SKEW = new TableName("monitoring", "skew");
  static final TableName QUALITY = new TableName("monitoring", "quality");

  private final SparkSession spark;
  private final LakeLayout layout;

  MonitorTables(SparkSession spark, LakeLayout layout) {
    this.spark = spark;
    this.layout = layout;
  }

  /** Replaces the range's figures of the model in {@code table}; returns the Delta version written, or -1 when nothing was. */
  long replace(TableName table, List<MonitorFigure> figures, String model, Long version, MonitorRange range, Timestamp computedAt) {
    String location = layout.table(table);
    boolean exists = DeltaTable.isDeltaTable(spark, location);
    if (figures.isEmpty() && !exists) {
      return -1;
    }
    Dataset<Row> rows = spark.createDataFrame(figures.stream().map(f -> f.toRow(computedAt)).toList(), MonitorFigure.SCHEMA);
    String condition = "model_name = '" + model.replace("'", "''") + "'" + (version != null ? " AND model_version = " + version : "")
        + " AND period_start >= TIMESTAMP_NTZ'" + range.since() + "' AND period_start < TIMESTAMP_NTZ'" + range.until() + "'";
    var writer = rows.write().format("delta").mode("overwrite");
    if (exists) {
      writer = writer.option("replaceWhere", condition);
    }
    writer.save(location);
    new LakeCatalog(spark, layout).register(table);
    return DeltaTable.forPath(spark, location).history(1).first().getLong(0);
  }

  static Timestamp now() {
    return Timestamp.from(Instant.now());
  }
}
