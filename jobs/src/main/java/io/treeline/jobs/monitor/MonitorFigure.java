package io.treeline.jobs.monitor;

import java.sql.Timestamp;
import java.time.LocalDateTime;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * One figure of the monitoring tables, in the long format the three of them share: a model version,
 * a period, what was measured (feature or view) and how, its value, and the threshold it is held
 * to (null when it is only reported).
 */
public record MonitorFigure(String model, long version, LocalDateTime periodStart, String feature, String view, String metric,
    double value, Double threshold, long rows) {

  /** A figure breaches when it is held to a threshold and is on the wrong side of it. */
  public boolean breached() {
    if (threshold == null || Double.isNaN(value)) {
      return false;
    }
    return Metric.lowerIsWorse(metric) ? value < threshold : value > threshold;
  }

  public static final StructType SCHEMA = new StructType()
      .add("model_name", DataTypes.StringType, false)
      .add("model_version", DataTypes.LongType, false)
      .add("period_start", DataTypes.TimestampNTZType, false)
      .add("feature", DataTypes.StringType, true)
      .add("view", DataTypes.StringType, true)
      .add("metric", DataTypes.StringType, false)
      .add("value", DataTypes.DoubleType, true)
      .add("threshold", DataTypes.DoubleType, true)
      .add("breached", DataTypes.BooleanType, false)
      .add("rows", DataTypes.LongType, false)
      .add("computed_at", DataTypes.TimestampType, false);

  Row toRow(Timestamp computedAt) {
    return RowFactory.create(model, version, periodStart, feature, view, metric, Double.isNaN(value) ? null : value, threshold, breached(),
        rows, computedAt);
  }

  /** Which way is bad, per metric name. */
  static final class Metric {
    private static final List<String> HIGHER_IS_BETTER = List.of("auc", "auc_pr", "accuracy", "precision", "recall", "f1", "r2");

    private Metric() {}

    static boolean lowerIsWorse(String metric) {
      return HIGHER_IS_BETTER.contains(metric);
    }
  }
}
