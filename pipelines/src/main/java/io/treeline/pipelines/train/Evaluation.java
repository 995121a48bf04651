package io.treeline.pipelines.train;

import static org.apache.spark.ml.functions.vector_to_array;
import static org.apache.spark.sql.functions.col;

import io.treeline.pipelines.evaluate.BinaryScores;
import io.treeline.pipelines.evaluate.RegressionScores;
import io.treeline.pipelines.spec.PipelineSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.attribute.Attribute;
import org.apache.spark.ml.attribute.AttributeGroup;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * A model's metrics on the validation and test splits ({@code validation_auc}, {@code test_rmse},
 * …), the test split's scores for the plots, and the forest's feature importances by input name.
 */
public record Evaluation(Map<String, Double> metrics, BinaryScores testBinary, RegressionScores testRegression, Map<String, Double> importances) {

  static Evaluation of(PipelineSpec spec, PipelineModel model, Splits splits) {
    Map<String, Double> metrics = new LinkedHashMap<>();
    boolean classifier = spec.model().type().classifier();
    double trainMean = splits.train().agg(org.apache.spark.sql.functions.avg(PipelineBuilder.LABEL)).first().getDouble(0);
    BinaryScores testBinary = null;
    RegressionScores testRegression = null;
    for (var split : List.of(Map.entry("validation", splits.validation()), Map.entry("test", splits.test()))) {
      Dataset<Row> predicted = model.transform(split.getValue());
      if (classifier) {
        BinaryScores scores = binary(predicted);
        scores.metrics(spec.threshold(), trainMean >= 0.5).forEach((k, v) -> metrics.put(split.getKey() + "_" + k, v));
        testBinary = scores;
      } else {
        RegressionScores scores = regression(predicted);
        scores.metrics(trainMean).forEach((k, v) -> metrics.put(split.getKey() + "_" + k, v));
        testRegression = scores;
      }
    }
    return new Evaluation(metrics, testBinary, testRegression, importances(model, splits.train()));
  }

  private static BinaryScores binary(Dataset<Row> predicted) {
    List<Row> rows = predicted.select(col(PipelineBuilder.LABEL), vector_to_array(col("probability"), "float64").getItem(1)).collectAsList();
    double[] labels = new double[rows.size()];
    double[] scores = new double[rows.size()];
    for (int i = 0; i < rows.size(); i++) {
      labels[i] = rows.get(i).getDouble(0);
      scores[i] = rows.get(i).getDouble(1);
    }
    return new BinaryScores(labels, scores);
  }

  private static RegressionScores regression(Dataset<Row> predicted) {
    List<Row> rows = predicted.select(PipelineBuilder.LABEL, "prediction").collectAsList();
    double[] actual = new double[rows.size()];
    double[] values = new double[rows.size()];
    for (int i = 0; i < rows.size(); i++) {
      actual[i] = rows.get(i).getDouble(0);
      values[i] = rows.get(i).getDouble(1);
    }
    return new RegressionScores(actual, values);
  }

  /** The forest's importances, named by the assembled inputs (one-hot slots named column=value). */
  private static Map<String, Double> importances(PipelineModel model, Dataset<Row> train) {
    var forest = model.stages()[model.stages().length - 1];
    Vector importances = forest instanceof org.apache.spark.ml.classification.RandomForestClassificationModel c
        ? c.featureImportances()
        : ((org.apache.spark.ml.regression.RandomForestRegressionModel) forest).featureImportances();
    Dataset<Row> assembled = model.transform(train.limit(1));
    AttributeGroup group = AttributeGroup.fromStructField(assembled.schema().apply(PipelineBuilder.FEATURES));
    Map<String, Double> named = new LinkedHashMap<>();
    Attribute[] attributes = group.attributes().isDefined() ? group.attributes().get() : new Attribute[0];
    for (int i = 0; i < importances.size(); i++) {
      String name = i < attributes.length && attributes[i].name().isDefined() ? attributes[i].name().get() : "feature " + i;
      named.put(name.replace("__imputed", "").replace("__index", ""), importances.apply(i));
    }
    return named;
  }
}
