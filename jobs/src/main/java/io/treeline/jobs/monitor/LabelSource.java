package io.treeline.jobs.monitor;

import io.treeline.core.error.Errors;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Where the true outcomes come from once they are known: a lake table or a SELECT over lake tables
 * with a {@value #LABEL} column and the key columns that identify a request, each key found in the
 * logged request JSON under the same name (for the flights: flight_id).
 */
public record LabelSource(String table, String sql, List<String> keys) {
  public static final String LABEL = "label";

  public LabelSource {
    if (table != null && sql != null) {
      throw Errors.invalidInput("monitor", "the labels", "give one of --labels TABLE and --labels-sql QUERY, not both",
          "Pass --labels-sql \"select flight_id, cast(arrival_delay > 15 as double) label from raw.flights\" --label-key flight_id.");
    }
    keys = keys == null ? List.of() : List.copyOf(keys);
    if ((table != null || sql != null) && keys.isEmpty()) {
      throw Errors.invalidInput("monitor", "the labels", "--label-key is missing",
          "Name the columns that identify a request in both the labels and the logged request, e.g. --label-key flight_id.");
    }
  }

  public boolean given() {
    return table != null || sql != null;
  }

  String describe() {
    return table != null ? table : sql;
  }

  Dataset<Row> read(SparkSession spark) {
    Dataset<Row> labels;
    try {
      labels = spark.sql(table != null ? "SELECT * FROM " + table : sql);
    } catch (Exception e) { // Spark throws its checked AnalysisException without declaring it
      String message = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
      throw Errors.invalidInput("read", "the labels " + describe(), message,
          "Name an existing lake table or fix the query; `treeline sql` runs it on its own.", e);
    }
    List<String> columns = List.of(labels.columns());
    for (String needed : java.util.stream.Stream.concat(keys.stream(), java.util.stream.Stream.of(LABEL)).toList()) {
      if (!columns.contains(needed)) {
        throw Errors.invalidInput("read", "the labels " + describe(), "they have no column '" + needed + "' (columns: "
            + String.join(", ", columns) + ")", "Select the key columns of --label-key and the outcome as `label`, e.g. "
            + "select flight_id, cast(arrival_delay > 15 as double) label from raw.flights.");
      }
    }
    return labels;
  }
}
