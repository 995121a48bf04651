package io.treeline.jobs.monitor;

/**
 * Distances between a reference distribution (the training set) and a served one, both given as
 * counts over the same bins. Empty bins get a small floor before logarithms, as PSI is usually
 * computed, so a bin seen on one side only adds a large but finite term.
 */
public final class DriftMetrics {
  /** The share an empty bin is given in PSI, so log(0) never occurs. */
  static final double FLOOR = 1e-4;

  private DriftMetrics() {}

  /** Population stability index: Σ (served − reference) · ln(served / reference) over bin shares. */
  public static double psi(long[] reference, long[] served) {
    double[] r = shares(reference, FLOOR);
    double[] s = shares(served, FLOOR);
    double psi = 0;
    for (int i = 0; i < r.length; i++) {
      psi += (s[i] - r[i]) * Math.log(s[i] / r[i]);
    }
    return psi;
  }

  /** Jensen–Shannon distance (square root of the divergence, base-2 logarithms): 0 identical, 1 disjoint. */
  public static double jensenShannon(long[] reference, long[] served) {
    double[] r = shares(reference, 0);
    double[] s = shares(served, 0);
    double divergence = 0;
    for (int i = 0; i < r.length; i++) {
      double m = (r[i] + s[i]) / 2;
      divergence += half(r[i], m) + half(s[i], m);
    }
    return Math.sqrt(Math.max(0, divergence));
  }

  private static double half(double p, double m) {
    return p == 0 ? 0 : 0.5 * p * Math.log(p / m) / Math.log(2);
  }

  /**
   * Kolmogorov–Smirnov statistic from counts in ordered bins: the largest gap between the two
   * cumulative shares at a bin boundary. With bins at every training percentile this is the exact
   * statistic evaluated at those 99 points, a lower bound of the continuous one within a percentile.
   */
  public static double kolmogorovSmirnov(long[] reference, long[] served) {
    double[] r = shares(reference, 0);
    double[] s = shares(served, 0);
    double cr = 0;
    double cs = 0;
    double ks = 0;
    for (int i = 0; i < r.length; i++) {
      cr += r[i];
      cs += s[i];
      ks = Math.max(ks, Math.abs(cr - cs));
    }
    return ks;
  }

  /** Bin shares; with a floor, empty bins get it and the shares are renormalised. */
  static double[] shares(long[] counts, double floor) {
    double total = 0;
    for (long c : counts) {
      total += c;
    }
    double[] shares = new double[counts.length];
    if (total == 0) {
      java.util.Arrays.fill(shares, 1.0 / Math.max(1, counts.length));
      return shares;
    }
    double sum = 0;
    for (int i = 0; i < counts.length; i++) {
      shares[i] = Math.max(floor, counts[i] / total);
      sum += shares[i];
    }
    for (int i = 0; i < counts.length; i++) {
      shares[i] /= sum;
    }
    return shares;
  }
}
