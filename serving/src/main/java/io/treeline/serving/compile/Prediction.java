package io.treeline.serving.compile;

/**
 * What a compiled pipeline predicts: for a classifier the label (Spark's {@code prediction}) and the
 * class probabilities; for a regressor the value ({@code probability} is null).
 */
public record Prediction(double prediction, double[] probability) {
  static Prediction classified(double label, double[] probability) {
    return new Prediction(label, probability);
  }

  static Prediction value(double value) {
    return new Prediction(value, null);
  }
}
