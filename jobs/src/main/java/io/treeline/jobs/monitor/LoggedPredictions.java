package io.treeline.jobs.monitor;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.date_trunc;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;

import io.delta.tables.DeltaTable;
import io.treeline.core.error.Errors;
import io.treeline.core.lake.LakeLayout;
import io.treeline.core.lake.TableName;
import io.treeline.modelpackage.ModelManifest;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;

/**
 * The inference log's predictions of one model version, each placed at its moment: the event time
 * the request carried (the manifest's event-time column or one of its aliases), else the moment it
 * was logged. Batch scoring logs days or months after the events it scores, so only the event time
 * puts a batch prediction into the period its features and its label belong to; an online request
 * that sends no event time is scored as of "now", which is when it was logged.
 */
final class LoggedPredictions {
  static final TableName TABLE = new TableName("monitoring", "inference_log");
  /** The moment of each prediction, timestamp_ntz in the lake's local time. */
  static final String MOMENT = "__monitor_moment";
  static final String PERIOD = "period_start";

  private LoggedPredictions() {}

  /** The whole log, or a usage error saying what writes it. */
  static Dataset<Row> log(SparkSession spark, LakeLayout layout) {
    String location = layout.table(TABLE);
    if (!DeltaTable.isDeltaTable(spark, location)) {
      throw Errors.invalidInput("monitor", "the model", "there is no inference log yet (" + TABLE + " at " + location + ")",
          "Log predictions first: `treeline score … --log-inferences`, or serve the model with the inference log on (docs/serving.md).");
    }
    return spark.read().format("delta").load(location);
  }

  /** One version's predictions with {@value #MOMENT} added, those of the range kept. */
  static Dataset<Row> of(Dataset<Row> log, ModelManifest manifest, MonitorRange range) {
    Dataset<Row> rows = log.withColumn(MOMENT, moment(manifest));
    if (range.since() != null) {
      rows = rows.where(col(MOMENT).geq(lit(range.since())));
    }
    if (range.until() != null) {
      rows = rows.where(col(MOMENT).lt(lit(range.until())));
    }
    return rows;
  }

  /** The rows with {@value #PERIOD}, the start of the period each belongs to in a range with both bounds. */
  static Dataset<Row> withPeriod(Dataset<Row> rows, MonitorRange closed) {
    // A --since inside a period starts that period late rather than before the range: replaceWhere covers [since, until) only.
    Column period = closed.granularity() == MonitorRange.Granularity.RANGE ? lit(closed.since())
        : org.apache.spark.sql.functions.greatest(date_trunc(closed.granularity().sparkUnit(), col(MOMENT)).cast(DataTypes.TimestampNTZType),
            lit(closed.since()));
    return rows.withColumn(PERIOD, period.cast(DataTypes.TimestampNTZType));
  }

  private static Column moment(ModelManifest manifest) {
    List<String> names = new ArrayList<>();
    names.add(manifest.eventTime());
    manifest.requestAliases().forEach((alias, canonical) -> {
      if (canonical.equals(manifest.eventTime())) {
        names.add(alias);
      }
    });
    List<Column> candidates = new ArrayList<>();
    for (String name : names) {
      // try_cast: a request with an unreadable time falls back to the logging moment rather than failing the run.
      candidates.add(expr("try_cast(get_json_object(request, '$." + name.replace("'", "") + "') AS TIMESTAMP_NTZ)"));
    }
    candidates.add(col("logged_at").cast(DataTypes.TimestampNTZType));
    return coalesce(candidates.toArray(Column[]::new));
  }
}
