package io.treeline.serving.compile;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.treeline.core.testing.TestData;
import io.treeline.core.testing.TestSpark;
import io.treeline.modelpackage.Decision;
import io.treeline.modelpackage.compiled.PipelineSpecFile;
import io.treeline.modelpackage.compiled.SparkPipelineSpecs;
import io.treeline.modelpackage.compiled.UnsupportedStageException;
import java.util.List;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.classification.DecisionTreeClassifier;
import org.apache.spark.ml.classification.GBTClassifier;
import org.apache.spark.ml.classification.RandomForestClassifier;
import org.apache.spark.ml.feature.Bucketizer;
import org.apache.spark.ml.feature.Imputer;
import org.apache.spark.ml.feature.MinMaxScaler;
import org.apache.spark.ml.feature.OneHotEncoder;
import org.apache.spark.ml.feature.SQLTransformer;
import org.apache.spark.ml.feature.StandardScaler;
import org.apache.spark.ml.feature.StringIndexer;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.feature.VectorIndexer;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.regression.DecisionTreeRegressor;
import org.apache.spark.ml.regression.GBTRegressor;
import org.apache.spark.ml.regression.RandomForestRegressor;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The compiled pipeline against Spark's own transform on the 20,000-row flights slice: the same
 * predictions exactly and probabilities within 1e-9, for every supported stage and model. Each
 * pipeline is compiled as a server loads it: through the bytes of its {@code compiled-pipeline.bin}.
 */
class CompiledPipelineParityTest {
  private static Dataset<Row> flights;

  @BeforeAll
  static void flights() {
    // Inputs as serving receives them: numbers as doubles (some missing), airports as strings.
    flights = TestSpark.session().read().parquet(TestData.flightsSlice().toString())
        .select(col("origin"), col("destination"), col("distance").cast("double").as("distance"),
            expr("CASE WHEN hash(origin, destination, date) % 17 = 0 THEN NULL ELSE hour(date) + minute(date) / 60.0 END").cast("double").as("hour"),
            expr("CASE WHEN delay > 15 THEN 1.0 ELSE 0.0 END").as("label"), col("delay").cast("double").as("delay"))
        .cache();
    assertThat(flights.count()).isEqualTo(20_000);
  }

  private static PipelineStage[] features(boolean oneHot) {
    StringIndexer indexer = new StringIndexer().setInputCols(new String[] {"origin", "destination"})
        .setOutputCols(new String[] {"origin_index", "destination_index"}).setHandleInvalid("keep");
    Imputer imputer = new Imputer().setInputCols(new String[] {"distance", "hour"}).setOutputCols(new String[] {"distance_i", "hour_i"});
    if (!oneHot) {
      return new PipelineStage[] {imputer, indexer,
          new VectorAssembler().setInputCols(new String[] {"distance_i", "hour_i", "origin_index", "destination_index"}).setOutputCol("features")};
    }
    return new PipelineStage[] {imputer, indexer,
        new OneHotEncoder().setInputCols(new String[] {"origin_index"}).setOutputCols(new String[] {"origin_onehot"}).setHandleInvalid("keep"),
        new Bucketizer().setInputCol("hour_i").setOutputCol("hour_bucket").setSplits(new double[] {Double.NEGATIVE_INFINITY, 6, 12, 18, Double.POSITIVE_INFINITY}),
        new VectorAssembler().setInputCols(new String[] {"distance_i", "hour_bucket", "origin_onehot", "destination_index"}).setOutputCol("raw"),
        new StandardScaler().setInputCol("raw").setOutputCol("scaled").setWithMean(true),
        new MinMaxScaler().setInputCol("scaled").setOutputCol("features")};
  }

  private static PipelineModel fit(PipelineStage[] features, PipelineStage model) {
    PipelineStage[] stages = java.util.Arrays.copyOf(features, features.length + 1);
    stages[features.length] = model;
    return new Pipeline().setStages(stages).fit(flights);
  }

  /** The compiled answer for a row of (origin, destination, distance, hour, …), a missing number as NaN. */
  /** The model as a server loads it: written to the package file's bytes, read back, compiled. */
  private static CompiledPipeline stored(PipelineModel model, Decision decision) {
    byte[] file = PipelineSpecFile.write(SparkPipelineSpecs.of(model));
    return CompiledPipeline.compile(PipelineSpecFile.read(file, "the test's compiled-pipeline.bin"), decision);
  }

  private static Prediction predict(CompiledPipeline compiled, Row row) {
    return compiled.predict(frame(compiled, row));
  }

  private static Frame frame(CompiledPipeline compiled, Row row) {
    Frame frame = compiled.newFrame();
    compiled.setString(frame, "origin", row.getString(0));
    compiled.setString(frame, "destination", row.getString(1));
    compiled.setNumber(frame, "distance", row.isNullAt(2) ? Double.NaN : row.getDouble(2));
    compiled.setNumber(frame, "hour", row.isNullAt(3) ? Double.NaN : row.getDouble(3));
    return frame;
  }

  /** Batches of 1,003 rows (the last one shorter) answer each row bit for bit as one-row predictions do. */
  private static void assertBatchesAnswerAsSingleRows(CompiledPipeline compiled, List<Row> rows) {
    for (int from = 0; from < rows.size(); from += 1_003) {
      List<Row> batch = rows.subList(from, Math.min(rows.size(), from + 1_003));
      Prediction[] predictions = compiled.predict(batch.stream().map(row -> frame(compiled, row)).toArray(Frame[]::new));
      assertThat(predictions).hasSize(batch.size());
      for (int r = 0; r < batch.size(); r++) {
        Prediction single = predict(compiled, batch.get(r));
        assertThat(predictions[r].prediction()).as("batch prediction for %s", batch.get(r)).isEqualTo(single.prediction());
        assertThat(predictions[r].probability()).as("batch probability for %s", batch.get(r)).isEqualTo(single.probability());
      }
    }
  }

  private static void assertParity(PipelineModel model, double probabilityTolerance, double valueTolerance) {
    CompiledPipeline compiled = stored(model, Decision.DEFAULT);
    boolean classifier = compiled.classifier();
    List<Row> expected = model.transform(flights)
        .select(col("origin"), col("destination"), col("distance"), col("hour"), col("prediction"),
            classifier ? col("probability") : expr("NULL AS probability")).collectAsList();
    assertThat(expected).hasSize(20_000);
    int differentLabels = 0;
    for (Row row : expected) {
      Prediction prediction = predict(compiled, row);
      if (valueTolerance == 0) {
        assertThat(prediction.prediction()).as("prediction for %s", row).isEqualTo(row.getDouble(4));
      } else {
        assertThat(prediction.prediction()).as("prediction for %s", row).isCloseTo(row.getDouble(4), org.assertj.core.data.Offset.offset(valueTolerance));
      }
      if (classifier) {
        double[] spark = ((Vector) row.get(5)).toArray();
        assertThat(prediction.probability()).hasSize(spark.length);
        for (int i = 0; i < spark.length; i++) {
          assertThat(prediction.probability()[i]).as("P(%d) for %s", i, row).isCloseTo(spark[i], org.assertj.core.data.Offset.offset(probabilityTolerance));
        }
      }
      differentLabels += prediction.prediction() == 1.0 ? 1 : 0;
    }
    if (classifier) {
      assertThat(differentLabels).as("rows predicted delayed").isBetween(1, 19_999);
    }
    assertBatchesAnswerAsSingleRows(compiled, expected);
  }

  @Test
  void random_forest_classifier_with_categorical_splits_matches_spark_exactly() {
    assertParity(fit(features(false), new RandomForestClassifier().setNumTrees(30).setMaxDepth(10).setMaxBins(400).setSeed(7)), 1e-9, 0);
  }

  @Test
  void a_calibrated_decision_answers_as_training_computes_it_and_as_spark_with_the_carried_cut() {
    PipelineModel model = fit(features(false), new RandomForestClassifier().setNumTrees(20).setMaxDepth(8).setMaxBins(400).setSeed(7));
    var forest = (org.apache.spark.ml.classification.RandomForestClassificationModel) model.stages()[model.stages().length - 1];
    List<io.treeline.modelpackage.Decision> decisions = List.of(
        new io.treeline.modelpackage.Decision(0.27, new io.treeline.modelpackage.Calibration.Isotonic(
            new double[] {0.05, 0.1, 0.1, 0.3, 0.6}, new double[] {0.02, 0.08, 0.2, 0.31, 0.9})),
        new io.treeline.modelpackage.Decision(0.35, new io.treeline.modelpackage.Calibration.Platt(4.5, -2.25)));
    for (io.treeline.modelpackage.Decision decision : decisions) {
      CompiledPipeline compiled = stored(model, decision);
      // Spark's model with the cut training gives it (what MLflow's pyfunc answers)
      forest.setThresholds(new double[] {1 - decision.forestThreshold(), decision.forestThreshold()});
      List<Row> expected = model.transform(flights).select(col("origin"), col("destination"), col("distance"), col("hour"), col("prediction"),
          col("probability")).collectAsList();
      int positives = 0;
      for (Row row : expected) {
        Prediction prediction = predict(compiled, row);
        // training's side: the calibration applied to Spark's probability, the label above the threshold
        double trained = decision.probability(((Vector) row.get(5)).apply(1));
        assertThat(prediction.probability()[1]).as("calibrated P(1) for %s", row).isCloseTo(trained, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(prediction.probability()[0]).isEqualTo(1 - prediction.probability()[1]);
        assertThat(prediction.prediction()).as("label for %s", row).isEqualTo(decision.positive(trained) ? 1.0 : 0.0).isEqualTo(row.getDouble(4));
        positives += (int) prediction.prediction();
      }
      assertThat(positives).as("rows predicted delayed with %s", decision).isBetween(1, 19_999);
      assertBatchesAnswerAsSingleRows(compiled, expected);
    }
    forest.clear(forest.thresholds());
  }

  @Test
  void random_forest_regressor_matches_spark_exactly() {
    assertParity(fit(features(false), new RandomForestRegressor().setLabelCol("delay").setNumTrees(20).setMaxDepth(8).setMaxBins(400).setSeed(7)), 0, 0);
  }

  @Test
  void one_hot_bucketizer_scalers_and_a_gbt_classifier_match_spark() {
    assertParity(fit(features(true), new GBTClassifier().setMaxIter(15).setMaxDepth(4).setSeed(7)), 1e-9, 0);
  }

  @Test
  void gbt_and_decision_tree_regressors_match_spark() {
    assertParity(fit(features(true), new GBTRegressor().setLabelCol("delay").setMaxIter(10).setMaxDepth(4).setSeed(7)), 0, 1e-9);
    assertParity(fit(features(false), new DecisionTreeRegressor().setLabelCol("delay").setMaxDepth(8).setMaxBins(400)), 0, 0);
  }

  @Test
  void vector_indexer_and_a_decision_tree_classifier_match_spark() {
    PipelineStage[] stages = features(false);
    ((VectorAssembler) stages[2]).setOutputCol("assembled");
    PipelineStage[] withIndexer = java.util.Arrays.copyOf(stages, 4);
    withIndexer[3] = new VectorIndexer().setInputCol("assembled").setOutputCol("features").setMaxCategories(30).setHandleInvalid("keep");
    assertParity(fit(withIndexer, new DecisionTreeClassifier().setMaxDepth(10).setMaxBins(400)), 1e-9, 0);
  }

  @Test
  void an_unsupported_stage_is_refused_at_compile_time_by_name() {
    PipelineStage[] stages = features(false);
    PipelineStage[] withSql = java.util.Arrays.copyOf(stages, stages.length + 1);
    System.arraycopy(stages, 0, withSql, 1, stages.length);
    withSql[0] = new SQLTransformer().setStatement("SELECT *, distance * 2 AS distance2 FROM __THIS__");
    PipelineModel model = fit(withSql, new DecisionTreeClassifier().setMaxDepth(3).setMaxBins(400));

    assertThatThrownBy(() -> stored(model, Decision.DEFAULT)).isInstanceOf(UnsupportedStageException.class)
        .hasMessageContaining("stage 1 of 5 (SQLTransformer) is not supported for serving");
  }

  @Test
  void an_unseen_category_under_handle_invalid_error_is_refused_naming_the_column() {
    PipelineModel model = new Pipeline().setStages(new PipelineStage[] {
        new StringIndexer().setInputCol("origin").setOutputCol("origin_index").setHandleInvalid("error"),
        new VectorAssembler().setInputCols(new String[] {"origin_index"}).setOutputCol("features"),
        new DecisionTreeClassifier().setMaxDepth(3).setMaxBins(400)}).fit(flights);
    CompiledPipeline compiled = stored(model, Decision.DEFAULT);
    Frame frame = compiled.newFrame();
    compiled.setString(frame, "origin", "not-an-airport");

    assertThatThrownBy(() -> compiled.predict(frame)).isInstanceOf(InvalidRowException.class)
        .hasMessageContaining("'origin' = 'not-an-airport' was not seen in training");
  }
}
