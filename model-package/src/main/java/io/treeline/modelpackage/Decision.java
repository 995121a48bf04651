package io.treeline.modelpackage;

/**
 * How a binary classifier turns its forest's positive-class probability into what it answers: the
 * probability is calibrated (when the pipeline asked for it), and the label is 1 when that
 * probability is above the threshold. Training's metrics, serving and batch scoring all decide
 * through this class.
 */
public record Decision(double threshold, Calibration calibration) {
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
}
