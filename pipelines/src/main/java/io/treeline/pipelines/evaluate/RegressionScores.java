package io.treeline.pipelines.evaluate;

import java.util.LinkedHashMap;
import java.util.Map;

/** Metrics of a regressor: RMSE, MAE, R², and the RMSE of always predicting the training mean. */
public final class RegressionScores {
  private final double[] actual;
  private final double[] predicted;

  public RegressionScores(double[] actual, double[] predicted) {
    this.actual = actual;
    this.predicted = predicted;
  }

  public double[] actual() {
    return actual;
  }

  public double[] predicted() {
    return predicted;
  }

  /** @param trainMean the mean label of the training split, the baseline's constant prediction */
  public Map<String, Double> metrics(double trainMean) {
    double n = Math.max(1, actual.length);
    double squared = 0;
    double absolute = 0;
    double baselineSquared = 0;
    double mean = 0;
    for (double a : actual) {
      mean += a / n;
    }
    double total = 0;
    for (int i = 0; i < actual.length; i++) {
      double error = predicted[i] - actual[i];
      squared += error * error;
      absolute += Math.abs(error);
      baselineSquared += (trainMean - actual[i]) * (trainMean - actual[i]);
      total += (actual[i] - mean) * (actual[i] - mean);
    }
    Map<String, Double> metrics = new LinkedHashMap<>();
    double rmse = Math.sqrt(squared / n);
    double baselineRmse = Math.sqrt(baselineSquared / n);
    metrics.put("rmse", rmse);
    metrics.put("mae", absolute / n);
    metrics.put("r2", total == 0 ? 0 : 1 - squared / total);
    metrics.put("baseline_rmse", baselineRmse);
    metrics.put("lift", baselineRmse == 0 ? 0 : 1 - rmse / baselineRmse);
    return metrics;
  }
}
