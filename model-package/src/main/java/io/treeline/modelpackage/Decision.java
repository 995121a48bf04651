package io.treeline.modelpackage;

/**
 * How a binary classifier turns its forest's positive-class probability into what it answers: the
 * probability is calibrated (when the pipeline asked for it), and the label is 1 when that
 * probability is above the threshold. Training's metrics, serving and batch scoring all decide
 * through this class.
 */
public record Decision(double threshold, Calibration calibration) implements java.io.Serializable {
  /** Spark's own decision for two classes: the uncalibrated probability, positive above one half. */
  public static final Decision DEFAULT = new Decision(0.5, Calibration.NONE);

  public Decision {
    if (!(threshold >= 0 && threshold <= 1)) {
      throw new IllegalArgumentException("a decision threshold is a probability from 0 to 1, got " + threshold);
    }
    calibration = calibration == null ? Calibration.NONE : calibration;
  }

  public double probability(double forestProbability) {
    return calibration.apply(forestProbability);
  }

  public boolean positive(double probability) {
    return probability > threshold;
  }

  /**
   * The forest probability above which the label is 1, for tools that only know the forest (Spark's
   * own thresholds, so MLflow's pyfunc answers the same labels): the threshold itself, or through a
   * calibration the largest forest probability it maps to at most the threshold. NaN for a
   * calibration that falls somewhere, which no single cut reproduces.
   */
  public double forestThreshold() {
    if (calibration instanceof Calibration.None) {
      return threshold;
    }
    double previous = calibration.apply(0.0);
    for (int i = 1; i <= 1000; i++) {
      double next = calibration.apply(i / 1000.0);
      if (next < previous) {
        return Double.NaN;
      }
      previous = next;
    }
    if (calibration.apply(1.0) <= threshold) {
      return 1.0;
    }
    if (calibration.apply(0.0) > threshold) {
      return 0.0;
    }
    // bisect on the bits: non-negative doubles order as their bit patterns do
    long low = Double.doubleToLongBits(0.0);
    long high = Double.doubleToLongBits(1.0);
    while (high - low > 1) {
      long middle = (low + high) >>> 1;
      if (calibration.apply(Double.longBitsToDouble(middle)) <= threshold) {
        low = middle;
      } else {
        high = middle;
      }
    }
    return Double.longBitsToDouble(low);
  }
}
