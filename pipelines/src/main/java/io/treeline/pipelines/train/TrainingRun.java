package io.treeline.pipelines.train;

import java.util.List;
import java.util.Map;

/**
 * What a training run produced: where it is, its metrics (per split), the gates it was held to and
 * the model parameters it ended with (the tuned ones when the spec has a grid).
 */
public record TrainingRun(
    String runId,
    String directory,
    String pipeline,
    Map<String, Double> metrics,
    Map<String, Double> baselineMetrics,
    List<GateCheck> gates,
    long trainRows,
    long validationRows,
    long testRows,
    String trainingSetTable,
    Map<String, Long> inputVersions,
    Map<String, Double> phaseSeconds,
    double elapsedSeconds,
    Map<String, Object> params,
    java.time.Instant startedAt,
    /** A classifier's calibration and threshold, as the package stores them; null for a regressor. */
    io.treeline.modelpackage.Decision decision,
    /** How the threshold was set, in words; null for a regressor. */
    String thresholdSource) {

  /** A gate and the value it was held to. */
  public record GateCheck(String metric, Double min, Double max, double value) {
    public boolean passed() {
      return (min == null || value >= min) && (max == null || value <= max);
    }

    public String describe() {
      if (min != null && value < min) {
        return String.format("%s = %.4f, below the minimum %.4f by %.4f", metric, value, min, min - value);
      }
      if (max != null && value > max) {
        return String.format("%s = %.4f, above the maximum %.4f by %.4f", metric, value, max, value - max);
      }
      return String.format("%s = %.4f passes", metric, value);
    }
  }

  public boolean passed() {
    return gates.stream().allMatch(GateCheck::passed);
  }
}
