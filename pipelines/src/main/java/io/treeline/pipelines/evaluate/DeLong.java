package io.treeline.pipelines.evaluate;

import java.util.Arrays;
import java.util.Comparator;

/**
 * The AUC of scores with DeLong's variance (DeLong, DeLong and Clarke-Pearson 1988), computed from
 * midranks in O(n log n) (Sun and Xu 2014), and the test of two AUCs: paired when both models scored
 * the same records (their covariance counts), unpaired when they scored different ones (A/B arms).
 * Ties count one half, as in the Mann-Whitney statistic; the 95% interval is AUC ± 1.96 standard errors,
 * clipped to [0, 1].
 */
public final class DeLong {
  /** Standard normal quantile of 0.975. */
  public static final double Z95 = 1.959963984540054;

  /** One model's AUC, its variance, and the structural components a paired test needs. */
  public record Auc(double auc, double variance, double[] positiveComponents, double[] negativeComponents) {
    public double standardError() {
      return Math.sqrt(variance);
    }

    public double lower() {
      return Math.max(0, auc - Z95 * standardError());
    }

    public double upper() {
      return Math.min(1, auc + Z95 * standardError());
    }
  }

  /** A difference B − A with its standard error, 95% interval and two-sided p-value. */
  public record Difference(double difference, double standardError) {
    public double lower() {
      return difference - Z95 * standardError;
    }

    public double upper() {
      return difference + Z95 * standardError;
    }

    public double pValue() {
      if (standardError == 0) {
        return difference == 0 ? 1 : 0;
      }
      return 2 * (1 - normalCdf(Math.abs(difference) / standardError));
    }

    /** Whether the 95% interval excludes zero. */
    public boolean significant() {
      return lower() > 0 || upper() < 0;
    }
  }

  private DeLong() {}

  /** The AUC of {@code scores} for {@code labels} (1 positive, 0 negative); both classes must be present. */
  public static Auc auc(double[] labels, double[] scores) {
    int m = 0;
    for (double label : labels) {
      m += label > 0.5 ? 1 : 0;
    }
    int n = labels.length - m;
    if (m == 0 || n == 0) {
      throw new IllegalArgumentException("an AUC needs positives and negatives; got " + m + " positives and " + n + " negatives");
    }
    double[] positives = new double[m];
    double[] negatives = new double[n];
    int p = 0;
    int q = 0;
    for (int i = 0; i < labels.length; i++) {
      if (Double.isNaN(scores[i])) {
        throw new IllegalArgumentException("score " + i + " is NaN: leave unscored records out");
      }
      double score = scores[i] + 0.0; // -0.0 ties with 0.0, as the comparison of the two does
      if (labels[i] > 0.5) {
        positives[p++] = score;
      } else {
        negatives[q++] = score;
      }
    }
    double[] all = new double[m + n];
    System.arraycopy(positives, 0, all, 0, m);
    System.arraycopy(negatives, 0, all, m, n);
    double[] rankAll = midranks(all);
    double[] rankPositives = midranks(positives);
    double[] rankNegatives = midranks(negatives);
    // V10: for each positive, the share of negatives it outranks; V01: for each negative, the share of positives that outrank it.
    double[] v10 = new double[m];
    double[] v01 = new double[n];
    double sum = 0;
    for (int i = 0; i < m; i++) {
      v10[i] = (rankAll[i] - rankPositives[i]) / n;
      sum += v10[i];
    }
    for (int j = 0; j < n; j++) {
      v01[j] = 1 - (rankAll[m + j] - rankNegatives[j]) / m;
    }
    double auc = sum / m;
    double variance = variance(v10, v10) / m + variance(v01, v01) / n;
    return new Auc(auc, variance, v10, v01);
  }

  /** B − A for two models that scored the same records (same labels, same order). */
  public static Difference paired(Auc a, Auc b) {
    if (a.positiveComponents().length != b.positiveComponents().length || a.negativeComponents().length != b.negativeComponents().length) {
      throw new IllegalArgumentException("a paired comparison needs the same records scored by both models");
    }
    int m = a.positiveComponents().length;
    int n = a.negativeComponents().length;
    double covariance = variance(a.positiveComponents(), b.positiveComponents()) / m + variance(a.negativeComponents(), b.negativeComponents()) / n;
    return new Difference(b.auc() - a.auc(), Math.sqrt(Math.max(0, a.variance() + b.variance() - 2 * covariance)));
  }

  /** B − A for two models that scored different records (independent samples). */
  public static Difference unpaired(Auc a, Auc b) {
    return new Difference(b.auc() - a.auc(), Math.sqrt(a.variance() + b.variance()));
  }

  /** The sample covariance (n − 1) of two equally long arrays; the variance when they are the same. */
  static double variance(double[] x, double[] y) {
    int k = x.length;
    if (k < 2) {
      return 0;
    }
    double mx = Arrays.stream(x).average().orElse(0);
    double my = Arrays.stream(y).average().orElse(0);
    double s = 0;
    for (int i = 0; i < k; i++) {
      s += (x[i] - mx) * (y[i] - my);
    }
    return s / (k - 1);
  }

  /** 1-based ranks, ties given the mean of the ranks they span. */
  static double[] midranks(double[] values) {
    Integer[] order = new Integer[values.length];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    Arrays.sort(order, Comparator.comparingDouble(i -> values[i]));
    double[] ranks = new double[values.length];
    int i = 0;
    while (i < order.length) {
      int j = i;
      while (j + 1 < order.length && Double.compare(values[order[j + 1]], values[order[i]]) == 0) {
        j++;
      }
      double rank = (i + j) / 2.0 + 1;
      for (int k = i; k <= j; k++) {
        ranks[order[k]] = rank;
      }
      i = j + 1;
    }
    return ranks;
  }

  /** Φ(x), by the complementary error function (Numerical Recipes' erfc, relative error below 1.2e-7). */
  public static double normalCdf(double x) {
    double z = Math.abs(x) / Math.sqrt(2);
    double t = 1 / (1 + 0.5 * z);
    double erfc = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806
        + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
    return x >= 0 ? 1 - erfc / 2 : erfc / 2;
  }
}
