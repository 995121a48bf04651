package io.treeline.jobs.monitor;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.struct;

import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;

/**
 * Model inputs in the long shape drift is counted in — one row per value: name, number, text —
 * taken from the log's {@code features} array and prediction, or stacked from the training set's
 * columns. The prediction is one more input named {@value #PREDICTION}: the positive class's
 * probability for a classifier, the predicted value for a regressor.
 */
final class ServedValues {
  static final String PREDICTION = "prediction";

  private ServedValues() {}

  /** The logged values of each prediction, with its period. */
  static Dataset<Row> fromLog(Dataset<Row> logged, boolean classifier) {
    Column prediction = classifier ? coalesce(col("probability"), col("prediction")) : col("prediction");
    Dataset<Row> features = logged.select(col(LoggedPredictions.PERIOD), explode(col("features")).as("f"))
        .select(col(LoggedPredictions.PERIOD), col("f.name").as("name"), col("f.number").as("number"), col("f.text").as("text"));
    Dataset<Row> predictions = logged.select(col(LoggedPredictions.PERIOD), lit(PREDICTION).as("name"),
        prediction.cast(DataTypes.DoubleType).as("number"), lit(null).cast(DataTypes.StringType).as("text"));
    return features.unionByName(predictions);
  }

  /** The wide rows (one column per input) as one row per value. */
  static Dataset<Row> stack(Dataset<Row> wide, List<DriftCheck.Input> inputs) {
    Column[] entries = inputs.stream().map(input -> struct(lit(input.name()).as("name"),
        (input.numeric() ? col("`" + input.name() + "`").cast(DataTypes.DoubleType) : lit(null).cast(DataTypes.DoubleType)).as("number"),
        (input.numeric() ? lit(null).cast(DataTypes.StringType) : col("`" + input.name() + "`").cast(DataTypes.StringType)).as("text")))
        .toArray(Column[]::new);
    return wide.select(explode(array(entries)).as("v")).select("v.name", "v.number", "v.text");
  }
}
