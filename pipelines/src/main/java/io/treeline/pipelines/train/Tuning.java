package io.treeline.pipelines.train;

import io.treeline.pipelines.spec.ModelParams;
import io.treeline.pipelines.spec.PipelineSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.Predictor;
import org.apache.spark.ml.evaluation.BinaryClassificationEvaluator;
import org.apache.spark.ml.evaluation.Evaluator;
import org.apache.spark.ml.evaluation.RegressionEvaluator;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.tuning.CrossValidator;
import org.apache.spark.ml.tuning.CrossValidatorModel;
import org.apache.spark.ml.tuning.ParamGridBuilder;
import org.apache.spark.ml.tuning.TrainValidationSplit;
import org.apache.spark.ml.tuning.TrainValidationSplitModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Searches the spec's parameter grid and keeps the best pipeline. With {@code validation_split}
 * every point is fitted on the train split and scored on the validation split, so on a split by
 * time the choice is made on rows after every row it was fitted on, as the model will be used;
 * the other methods split the train split at random.
 */
final class Tuning {
  private Tuning() {}

  @SuppressWarnings("unchecked")
  static Trainer.ModelFit fit(PipelineSpec spec, FeatureColumns columns, Dataset<Row> train, Dataset<Row> validation) {
    Predictor<?, ?, ?> estimator = PipelineBuilder.estimator(spec);
    Pipeline pipeline = new Pipeline().setStages(PipelineBuilder.stages(spec, columns, estimator).toArray(org.apache.spark.ml.PipelineStage[]::new));
    ParamGridBuilder grid = new ParamGridBuilder();
    spec.tuning().grid().forEach((name, values) -> {
      Param<Object> param = (Param<Object>) estimator.getParam(name);
      List<Object> converted = values.stream().map(v -> ModelParams.convert(param, v)).toList();
      grid.addGrid(param, CollectionConverters.asScala(converted));
    });
    ParamMap[] maps = grid.build();
    Evaluator evaluator = evaluator(spec);
    if (spec.tuning().onValidationSplit()) {
      return onValidationSplit(spec, pipeline, maps, evaluator, train, validation);
    }
    Estimator<?> search;
    if (spec.tuning().method().equals("cross_validator")) {
      search = new CrossValidator().setEstimator(pipeline).setEstimatorParamMaps(maps).setEvaluator(evaluator)
          .setNumFolds(spec.tuning().folds()).setParallelism(spec.tuning().parallelism()).setSeed(42);
    } else {
      search = new TrainValidationSplit().setEstimator(pipeline).setEstimatorParamMaps(maps).setEvaluator(evaluator)
          .setTrainRatio(spec.tuning().trainRatio()).setParallelism(spec.tuning().parallelism()).setSeed(42);
    }
    Model<?> model = (Model<?>) search.fit(train);
    PipelineModel best;
    double[] scores;
    if (model instanceof CrossValidatorModel cv) {
      best = (PipelineModel) cv.bestModel();
      scores = cv.avgMetrics();
    } else {
      TrainValidationSplitModel tvs = (TrainValidationSplitModel) model;
      best = (PipelineModel) tvs.bestModel();
      scores = tvs.validationMetrics();
    }
    return chosen(spec, best, evaluator.isLargerBetter() ? java.util.Arrays.stream(scores).max().orElse(Double.NaN)
        : java.util.Arrays.stream(scores).min().orElse(Double.NaN));
  }

  private static Trainer.ModelFit onValidationSplit(PipelineSpec spec, Pipeline pipeline, ParamMap[] maps, Evaluator evaluator,
      Dataset<Row> train, Dataset<Row> validation) {
    PipelineModel best = null;
    double bestScore = Double.NaN;
    for (ParamMap map : maps) {
      PipelineModel model = pipeline.fit(train, map);
      double score = evaluator.evaluate(model.transform(validation));
      if (best == null || (evaluator.isLargerBetter() ? score > bestScore : score < bestScore)) {
        best = model;
        bestScore = score;
      }
    }
    return chosen(spec, best, bestScore);
  }

  private static Trainer.ModelFit chosen(PipelineSpec spec, PipelineModel best, double score) {
    Map<String, Object> chosen = new LinkedHashMap<>(spec.model().params());
    var forest = best.stages()[best.stages().length - 1];
    spec.tuning().grid().keySet().forEach(name -> chosen.put(name, forest.get(forest.getParam(name)).get()));
    chosen.put("tuning_method", spec.tuning().method());
    chosen.put("tuning_best_score", score);
    return new Trainer.ModelFit(best, chosen);
  }

  private static Evaluator evaluator(PipelineSpec spec) {
    String metric = spec.tuning().metric();
    if (spec.model().type().classifier()) {
      return new BinaryClassificationEvaluator().setLabelCol(PipelineBuilder.LABEL)
          .setMetricName("auc_pr".equals(metric) ? "areaUnderPR" : "areaUnderROC");
    }
    return new RegressionEvaluator().setLabelCol(PipelineBuilder.LABEL).setMetricName(metric == null ? "rmse" : metric);
  }
}
