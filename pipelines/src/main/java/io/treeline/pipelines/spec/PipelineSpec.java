package io.treeline.pipelines.spec;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A training pipeline as declared in conf/pipelines/*.yaml (docs/pipelines.md documents every
 * field). Built by {@link PipelineSpecParser}, which rejects anything it does not know.
 */
public record PipelineSpec(
    String name,
    String description,
    SpineSpec spine,
    List<String> features,
    List<RequestFeature> requestFeatures,
    /** Request field name → spine column: lets a prediction request say "departure" for departure_time. */
    Map<String, String> requestAliases,
    Preprocessing preprocessing,
    ModelSpec model,
    TuningSpec tuning,
    SplitSpec split,
    ThresholdSpec threshold,
    CalibrationMethod calibration,
    List<Gate> gates,
    Baseline baseline,
    String registeredModel,
    MonitoringSpec monitoring,
    Path file,
    String text) {

  /** The labelled events: a table or SQL, the label expression and the prediction moment. */
  public record SpineSpec(String table, String sql, String label, String eventTime) {
    public String source() {
      return table != null ? table : sql;
    }
  }

  /** A value the caller sends with each prediction, computed from the spine at training time. */
  public record RequestFeature(String name, String expr, ColumnKind kind) {
    public String expression() {
      return expr != null ? expr : name;
    }
  }

  public enum ColumnKind { NUMERIC, CATEGORICAL }

  /** How columns are prepared: categorical ones indexed (optionally one-hot), numeric ones imputed. */
  public record Preprocessing(Map<String, Categorical> categorical, Imputation numericDefault, Map<String, Imputation> numeric) {
    public Imputation imputationOf(String column) {
      return numeric.getOrDefault(column, numericDefault);
    }
  }

  /** keep: unseen values get their own index; error: fail; skip: drop the row (training only). */
  public record Categorical(String unseen, boolean oneHot) {}

  /** Spark Imputer strategies for missing numeric values (a feature with no value known yet, say). */
  public enum Imputation { MEAN, MEDIAN, MODE }

  public enum ModelType {
    RANDOM_FOREST_CLASSIFIER, RANDOM_FOREST_REGRESSOR;

    public boolean classifier() {
      return this == RANDOM_FOREST_CLASSIFIER;
    }
  }

  public record ModelSpec(ModelType type, Map<String, Object> params) {}

  /**
   * A parameter grid searched with {@code validation_split} (fit on the train split, choose on the
   * validation split), {@code train_validation_split} or {@code cross_validator} (both inside the
   * train split, at random); null when absent.
   */
  public record TuningSpec(String method, Map<String, List<Object>> grid, int folds, double trainRatio, int parallelism, String metric) {
    public boolean onValidationSplit() {
      return method.equals("validation_split");
    }
  }

  /**
   * A classifier's decision threshold: a fixed probability, or chosen on the validation split to
   * maximise {@code f1} or {@code youden}, or to minimise {@code cost} (false positives times
   * {@code falsePositiveCost} plus false negatives times {@code falseNegativeCost}).
   */
  public record ThresholdSpec(Double fixed, String optimize, double falsePositiveCost, double falseNegativeCost) {
    public static final ThresholdSpec DEFAULT = new ThresholdSpec(0.5, null, 0, 0);

    public boolean chosen() {
      return optimize != null;
    }
  }

  /** How a classifier's probabilities are calibrated on the validation split. */
  public enum CalibrationMethod { NONE, ISOTONIC, PLATT }

  /** By time (train before trainUntil, validate before validateUntil, test after) or random fractions. */
  public record SplitSpec(String by, java.time.LocalDateTime trainUntil, java.time.LocalDateTime validateUntil,
      java.time.LocalDateTime testUntil, long seed, List<Double> fractions) {
    public boolean byTime() {
      return by.equals("time");
    }
  }

  /** A run fails (exit 1) when {@code metric} is below {@code min} or above {@code max}. */
  public record Gate(String metric, Double min, Double max) {}

  /**
   * The thresholds treeline monitor holds the trained model to (docs/monitoring.md); null or no entry
   * where the pipeline leaves the value to the monitoring.* settings. Training copies them into treeline.json.
   */
  public record MonitoringSpec(Double psiThreshold, Map<String, Double> featureThresholds, Double skewThreshold, Double aucMargin) {
    public static final MonitoringSpec NONE = new MonitoringSpec(null, Map.of(), null, null);

    public MonitoringSpec {
      featureThresholds = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(featureThresholds));
    }
  }

  /** The same model on raw columns only, trained beside the real one so features must earn their keep. */
  public record Baseline(List<String> columns) {}
}
