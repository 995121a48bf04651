package io.treeline.pipelines.train;

import io.treeline.pipelines.spec.ModelParams;
import io.treeline.pipelines.spec.PipelineSpec;
import io.treeline.pipelines.spec.PipelineSpec.Categorical;
import io.treeline.pipelines.spec.PipelineSpec.Imputation;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.Predictor;
import org.apache.spark.ml.feature.Imputer;
import org.apache.spark.ml.feature.OneHotEncoder;
import org.apache.spark.ml.feature.StringIndexer;
import org.apache.spark.ml.feature.VectorAssembler;

/**
 * Turns a pipeline spec into a Spark ML Pipeline: string indexing (and one-hot encoding) for
 * categorical columns, imputation for numeric ones, one assembled vector, the forest.
 */
public final class PipelineBuilder {
  public static final String LABEL = "label";
  public static final String FEATURES = "features";

  private PipelineBuilder() {}

  public static Pipeline build(PipelineSpec spec, FeatureColumns columns) {
    return new Pipeline().setStages(stages(spec, columns, estimator(spec)).toArray(PipelineStage[]::new));
  }

  public static Predictor<?, ?, ?> estimator(PipelineSpec spec) {
    Predictor<?, ?, ?> estimator = ModelParams.estimator(spec.model().type());
    ModelParams.apply(estimator, spec.model().params());
    estimator.set(estimator.featuresCol(), FEATURES);
    estimator.set(estimator.labelCol(), LABEL);
    return estimator;
  }

  static List<PipelineStage> stages(PipelineSpec spec, FeatureColumns columns, Predictor<?, ?, ?> estimator) {
    List<PipelineStage> stages = new ArrayList<>();
    List<String> assembled = new ArrayList<>();

    Map<Imputation, List<String>> byStrategy = new LinkedHashMap<>();
    for (String column : columns.numeric()) {
      byStrategy.computeIfAbsent(spec.preprocessing().imputationOf(column), s -> new ArrayList<>()).add(column);
    }
    byStrategy.forEach((strategy, inputs) -> {
      String[] outputs = inputs.stream().map(c -> c + "__imputed").toArray(String[]::new);
      stages.add(new Imputer().setStrategy(strategy.name().toLowerCase(Locale.ROOT))
          .setInputCols(inputs.toArray(String[]::new)).setOutputCols(outputs));
      assembled.addAll(List.of(outputs));
    });

    for (String column : columns.categorical()) {
      Categorical rule = spec.preprocessing().categorical().getOrDefault(column, new Categorical("keep", false));
      String indexed = column + "__index";
      stages.add(new StringIndexer().setInputCol(column).setOutputCol(indexed).setHandleInvalid(rule.unseen())
          .setStringOrderType("frequencyDesc"));
      if (rule.oneHot()) {
        String encoded = column + "__onehot";
        stages.add(new OneHotEncoder().setInputCols(new String[] {indexed}).setOutputCols(new String[] {encoded})
            .setHandleInvalid("keep"));
        assembled.add(encoded);
      } else {
        assembled.add(indexed);
      }
    }
    stages.add(new VectorAssembler().setInputCols(assembled.toArray(String[]::new)).setOutputCol(FEATURES));
    stages.add(estimator);
    return stages;
  }
}
