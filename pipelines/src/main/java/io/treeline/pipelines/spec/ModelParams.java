package io.treeline.pipelines.spec;

import io.treeline.pipelines.spec.PipelineSpec.ModelType;
import java.util.Arrays;
import io.treeline.core.error.Suggestions;
import java.util.Map;
import java.util.Set;
import org.apache.spark.ml.Predictor;
import org.apache.spark.ml.classification.RandomForestClassifier;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.regression.RandomForestRegressor;

/**
 * Model parameters are Spark's own (numTrees, maxDepth, …): any parameter the estimator has may be
 * set, with its own type and validation; the column parameters belong to the pipeline.
 */
public final class ModelParams {
  private static final Set<String> OWNED_BY_PIPELINE =
      Set.of("featuresCol", "labelCol", "predictionCol", "probabilityCol", "rawPredictionCol", "weightCol", "leafCol");

  private ModelParams() {}

  public static Predictor<?, ?, ?> estimator(ModelType type) {
    return type.classifier() ? new io.treeline.pipelines.train.UnprunedRandomForestClassifier() : new RandomForestRegressor();
  }

  static void check(ModelType type, Map<String, Object> params, PipelineSpecParser.Node node) {
    Predictor<?, ?, ?> estimator = estimator(type);
    params.forEach((name, value) -> set(estimator, type, name, value, node.child(name)));
  }

  /** Sets every parameter on the estimator; the spec was checked when it was parsed. */
  public static void apply(Predictor<?, ?, ?> estimator, Map<String, Object> params) {
    params.forEach((name, value) -> estimator.set(param(estimator, name), convert(estimator.getParam(name), value)));
  }

  /** Turns a YAML value into the parameter's Java type (YAML integers may feed double parameters). */
  public static Object convert(Param<?> param, Object value) {
    if (param instanceof IntParam) {
      if (value instanceof Integer || value instanceof Long) {
        return ((Number) value).intValue();
      }
      throw new IllegalArgumentException("expected an integer");
    }
    if (param instanceof LongParam) {
      if (value instanceof Integer || value instanceof Long) {
        return ((Number) value).longValue();
      }
      throw new IllegalArgumentException("expected an integer");
    }
    if (param instanceof DoubleParam) {
      if (value instanceof Number n) {
        return n.doubleValue();
      }
      throw new IllegalArgumentException("expected a number");
    }
    if (param instanceof BooleanParam) {
      if (value instanceof Boolean) {
        return value;
      }
      throw new IllegalArgumentException("expected true or false");
    }
    if (value instanceof String || value instanceof Number) {
      return value.toString();
    }
    throw new IllegalArgumentException("expected a single value");
  }

  @SuppressWarnings("unchecked")
  private static Param<Object> param(Predictor<?, ?, ?> estimator, String name) {
    return (Param<Object>) estimator.getParam(name);
  }

  private static void set(Predictor<?, ?, ?> estimator, ModelType type, String name, Object value, PipelineSpecParser.Node node) {
    String model = type.name().toLowerCase(java.util.Locale.ROOT);
    if (!estimator.hasParam(name) || OWNED_BY_PIPELINE.contains(name)) {
      String nearest = Suggestions.nearest(name, Arrays.stream(estimator.params()).map(Param::name)
          .filter(n -> !OWNED_BY_PIPELINE.contains(n)).toList()).map(n -> "Did you mean '" + n + "'? ").orElse("");
      throw node.error("'" + name + "' is not a parameter of " + model
          + (OWNED_BY_PIPELINE.contains(name) ? " that a pipeline may set" : ""),
          nearest + "Parameters: " + String.join(", ", Arrays.stream(estimator.params()).map(Param::name)
              .filter(n -> !OWNED_BY_PIPELINE.contains(n)).sorted().toList()) + ".");
    }
    Param<Object> param = param(estimator, name);
    try {
      estimator.set(param, convert(param, value));
    } catch (IllegalArgumentException e) {
      throw node.error("invalid value " + value + " for " + name + ": " + e.getMessage().lines().findFirst().orElse(""),
          param.doc() + ".");
    }
  }
}
