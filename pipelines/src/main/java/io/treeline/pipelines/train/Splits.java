package io.treeline.pipelines.train;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import io.treeline.core.error.Errors;
import io.treeline.pipelines.spec.PipelineSpec.SplitSpec;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/** The train, validation and test rows: by time (the honest split for forecasting) or at random. */
public record Splits(Dataset<Row> train, Dataset<Row> validation, Dataset<Row> test, long trainRows, long validationRows, long testRows) {

  static Splits of(Dataset<Row> data, SplitSpec split, String eventTime) {
    Dataset<Row> train;
    Dataset<Row> validation;
    Dataset<Row> test;
    if (split.byTime()) {
      Column time = col(eventTime);
      train = data.where(time.lt(lit(split.trainUntil())));
      validation = data.where(time.geq(lit(split.trainUntil())).and(time.lt(lit(split.validateUntil()))));
      Column testRows = time.geq(lit(split.validateUntil()));
      if (split.testUntil() != null) {
        testRows = testRows.and(time.lt(lit(split.testUntil())));
      }
      test = data.where(testRows);
    } else {
      Dataset<Row>[] parts = data.randomSplit(split.fractions().stream().mapToDouble(Double::doubleValue).toArray(), split.seed());
      train = parts[0];
      validation = parts[1];
      test = parts[2];
    }
    train = train.cache();
    Splits splits = new Splits(train, validation, test, train.count(), validation.count(), test.count());
    long[] sizes = {splits.trainRows(), splits.validationRows(), splits.testRows()};
    String[] names = {"train", "validation", "test"};
    for (int i = 0; i < sizes.length; i++) {
      if (sizes[i] == 0) {
        throw Errors.invalidInput("split", "the training set", "the " + names[i] + " split is empty",
            split.byTime() ? "Move split.train_until / split.validate_until inside the data's time range." : "Give it a larger fraction.");
      }
    }
    return splits;
  }
}
