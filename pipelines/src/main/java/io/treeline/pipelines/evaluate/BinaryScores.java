package io.treeline.pipelines.evaluate;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Metrics of a binary classifier from its labels and positive-class probabilities, computed
 * exactly in one sort: AUC-ROC (ties counted half), AUC-PR (trapezoids, as Spark computes it),
 * log loss, Brier score, and accuracy, precision, recall and F1 at a threshold.
 */
public final class BinaryScores {
  private final double[] scores;
  private final double[] labels;
  private final Integer[] order; // indices by descending score

  public BinaryScores(double[] labels, double[] scores) {
    this.labels = labels;
    this.scores = scores;
    this.order = new Integer[scores.length];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> Double.compare(scores[b], scores[a]));
  }

  public int size() {
    return scores.length;
  }

  public long positives() {
    long p = 0;
    for (double label : labels) {
      p += label > 0.5 ? 1 : 0;
    }
    return p;
  }

  /** Points of the ROC curve (false-positive rate, true-positive rate), one per distinct score. */
  public double[][] roc() {
    long p = positives();
    long n = size() - p;
    double[][] curve = new double[2][];
    var fpr = new java.util.ArrayList<Double>();
    var tpr = new java.util.ArrayList<Double>();
    fpr.add(0.0);
    tpr.add(0.0);
    long tp = 0;
    long fp = 0;
    for (int i = 0; i < order.length; i++) {
      if (labels[order[i]] > 0.5) {
        tp++;
      } else {
        fp++;
      }
      if (i == order.length - 1 || scores[order[i + 1]] != scores[order[i]]) {
        fpr.add(n == 0 ? 0 : (double) fp / n);
        tpr.add(p == 0 ? 0 : (double) tp / p);
      }
    }
    curve[0] = fpr.stream().mapToDouble(Double::doubleValue).toArray();
    curve[1] = tpr.stream().mapToDouble(Double::doubleValue).toArray();
    return curve;
  }

  /** Points of the precision-recall curve (recall, precision), one per distinct score. */
  public double[][] precisionRecall() {
    long p = positives();
    var recall = new java.util.ArrayList<Double>();
    var precision = new java.util.ArrayList<Double>();
    long tp = 0;
    long predicted = 0;
    for (int i = 0; i < order.length; i++) {
      predicted++;
      if (labels[order[i]] > 0.5) {
        tp++;
      }
      if (i == order.length - 1 || scores[order[i + 1]] != scores[order[i]]) {
        recall.add(p == 0 ? 0 : (double) tp / p);
        precision.add((double) tp / predicted);
      }
    }
    // Spark starts the curve at (0, precision of the first point).
    recall.add(0, 0.0);
    precision.add(0, precision.isEmpty() ? 1.0 : precision.get(0));
    return new double[][] {
      recall.stream().mapToDouble(Double::doubleValue).toArray(), precision.stream().mapToDouble(Double::doubleValue).toArray()
    };
  }

  static double trapezoid(double[] x, double[] y) {
    double area = 0;
    for (int i = 1; i < x.length; i++) {
      area += (x[i] - x[i - 1]) * (y[i] + y[i - 1]) / 2;
    }
    return area;
  }

  /** Counts at a threshold: {tp, fp, tn, fn}; a score above the threshold predicts positive, as served models answer. */
  public long[] confusion(double threshold) {
    long tp = 0;
    long fp = 0;
    long tn = 0;
    long fn = 0;
    for (int i = 0; i < scores.length; i++) {
      boolean predicted = scores[i] > threshold;
      boolean actual = labels[i] > 0.5;
      if (predicted && actual) {
        tp++;
      } else if (predicted) {
        fp++;
      } else if (actual) {
        fn++;
      } else {
        tn++;
      }
    }
    return new long[] {tp, fp, tn, fn};
  }

  /** Mean predicted probability and observed positive rate in ten equal-width score bins. */
  public double[][] calibration(int bins) {
    double[] predicted = new double[bins];
    double[] observed = new double[bins];
    long[] counts = new long[bins];
    for (int i = 0; i < scores.length; i++) {
      int bin = Math.min(bins - 1, (int) (scores[i] * bins));
      predicted[bin] += scores[i];
      observed[bin] += labels[i] > 0.5 ? 1 : 0;
      counts[bin]++;
    }
    var xs = new java.util.ArrayList<Double>();
    var ys = new java.util.ArrayList<Double>();
    for (int b = 0; b < bins; b++) {
      if (counts[b] > 0) {
        xs.add(predicted[b] / counts[b]);
        ys.add(observed[b] / counts[b]);
      }
    }
    return new double[][] {xs.stream().mapToDouble(Double::doubleValue).toArray(), ys.stream().mapToDouble(Double::doubleValue).toArray()};
  }

  /**
   * The metrics at a threshold. {@code majorityPositive} says which class the baseline predicts
   * (the training set's majority); lift is precision over the positive rate.
   */
  public Map<String, Double> metrics(double threshold, boolean majorityPositive) {
    Map<String, Double> metrics = new LinkedHashMap<>();
    double[][] roc = roc();
    double[][] pr = precisionRecall();
    metrics.put("auc", trapezoid(roc[0], roc[1]));
    metrics.put("auc_pr", trapezoid(pr[0], pr[1]));
    double logLoss = 0;
    for (int i = 0; i < scores.length; i++) {
      double p = Math.min(1 - 1e-15, Math.max(1e-15, scores[i]));
      logLoss -= labels[i] > 0.5 ? Math.log(p) : Math.log(1 - p);
    }
    metrics.put("log_loss", logLoss / Math.max(1, scores.length));
    double brier = 0;
    for (int i = 0; i < scores.length; i++) {
      double error = scores[i] - (labels[i] > 0.5 ? 1 : 0);
      brier += error * error;
    }
    metrics.put("brier", brier / Math.max(1, scores.length));
    long[] c = confusion(threshold);
    double total = Math.max(1, scores.length);
    double precision = c[0] + c[1] == 0 ? 0 : (double) c[0] / (c[0] + c[1]);
    double recall = c[0] + c[3] == 0 ? 0 : (double) c[0] / (c[0] + c[3]);
    metrics.put("accuracy", (c[0] + c[2]) / total);
    metrics.put("precision", precision);
    metrics.put("recall", recall);
    metrics.put("f1", precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall));
    double positiveRate = positives() / total;
    metrics.put("baseline_accuracy", majorityPositive ? positiveRate : 1 - positiveRate);
    metrics.put("lift", positiveRate == 0 ? 0 : precision / positiveRate);
    return metrics;
  }
}
