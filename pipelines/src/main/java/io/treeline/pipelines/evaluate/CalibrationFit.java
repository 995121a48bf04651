package io.treeline.pipelines.evaluate;

import io.treeline.modelpackage.Calibration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Fits a {@link Calibration} to labelled scores (the validation split's forest probabilities).
 * Isotonic regression by pool-adjacent-violators; Platt scaling by Newton's method on the log loss
 * with Platt's smoothed targets (Lin, Lin and Weng, 2007), so a perfectly separated split still
 * gives finite coefficients.
 */
public final class CalibrationFit {
  private CalibrationFit() {}

  public static Calibration isotonic(double[] labels, double[] scores) {
    int n = scores.length;
    if (n == 0) {
      throw new IllegalArgumentException("no labelled scores to calibrate on");
    }
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> Double.compare(scores[a], scores[b]));
    // blocks of [low x, high x, sum of labels, count]; all rows of one score make one block before any pooling,
    // since pooling on part of a score's rows could join blocks that its whole group keeps apart
    List<double[]> groups = new ArrayList<>();
    for (int k = 0; k < n; k++) {
      double x = scores[order[k]];
      double y = labels[order[k]] > 0.5 ? 1 : 0;
      double[] last = groups.isEmpty() ? null : groups.get(groups.size() - 1);
      if (last != null && last[1] == x) {
        last[2] += y;
        last[3]++;
      } else {
        groups.add(new double[] {x, x, y, 1});
      }
    }
    List<double[]> blocks = new ArrayList<>();
    for (double[] group : groups) {
      blocks.add(group);
      // pool while the last block's mean is below the previous one's
      while (blocks.size() > 1) {
        double[] b = blocks.get(blocks.size() - 1);
        double[] a = blocks.get(blocks.size() - 2);
        if (a[2] / a[3] <= b[2] / b[3]) {
          break;
        }
        a[1] = b[1];
        a[2] += b[2];
        a[3] += b[3];
        blocks.remove(blocks.size() - 1);
      }
    }
    List<Double> xs = new ArrayList<>();
    List<Double> ys = new ArrayList<>();
    for (double[] block : blocks) {
      double mean = block[2] / block[3];
      xs.add(block[0]);
      ys.add(mean);
      if (block[1] > block[0]) {
        xs.add(block[1]);
        ys.add(mean);
      }
    }
    return new Calibration.Isotonic(xs.stream().mapToDouble(Double::doubleValue).toArray(), ys.stream().mapToDouble(Double::doubleValue).toArray());
  }

  public static Calibration platt(double[] labels, double[] scores) {
    int n = scores.length;
    if (n == 0) {
      throw new IllegalArgumentException("no labelled scores to calibrate on");
    }
    double positives = 0;
    for (double label : labels) {
      positives += label > 0.5 ? 1 : 0;
    }
    double negatives = n - positives;
    double hi = (positives + 1) / (positives + 2);
    double lo = 1 / (negatives + 2);
    double[] t = new double[n];
    for (int i = 0; i < n; i++) {
      t[i] = labels[i] > 0.5 ? hi : lo;
    }
    // p = 1 / (1 + exp(A f + B)), as in the paper; the calibration is then a = -A, b = -B
    double a = 0;
    double b = Math.log((negatives + 1) / (positives + 1));
    double f = objective(scores, t, a, b);
    for (int iteration = 0; iteration < 100; iteration++) {
      double h11 = 1e-12;
      double h22 = 1e-12;
      double h21 = 0;
      double g1 = 0;
      double g2 = 0;
      for (int i = 0; i < n; i++) {
        double fApB = scores[i] * a + b;
        double p;
        double q;
        if (fApB >= 0) {
          p = Math.exp(-fApB) / (1 + Math.exp(-fApB));
          q = 1 / (1 + Math.exp(-fApB));
        } else {
          p = 1 / (1 + Math.exp(fApB));
          q = Math.exp(fApB) / (1 + Math.exp(fApB));
        }
        double d2 = p * q;
        h11 += scores[i] * scores[i] * d2;
        h22 += d2;
        h21 += scores[i] * d2;
        double d1 = t[i] - p;
        g1 += scores[i] * d1;
        g2 += d1;
      }
      if (Math.abs(g1) < 1e-9 * n && Math.abs(g2) < 1e-9 * n) {
        break;
      }
      double det = h11 * h22 - h21 * h21;
      double dA = -(h22 * g1 - h21 * g2) / det;
      double dB = -(-h21 * g1 + h11 * g2) / det;
      double gd = g1 * dA + g2 * dB;
      double step = 1;
      while (step >= 1e-10) {
        double newA = a + step * dA;
        double newB = b + step * dB;
        double newF = objective(scores, t, newA, newB);
        if (newF < f + 1e-4 * step * gd) {
          a = newA;
          b = newB;
          f = newF;
          break;
        }
        step /= 2;
      }
      if (step < 1e-10) {
        break; // no step lowers the loss: at the minimum within rounding
      }
    }
    return new Calibration.Platt(-a, -b);
  }

  private static double objective(double[] f, double[] t, double a, double b) {
    double sum = 0;
    for (int i = 0; i < f.length; i++) {
      double fApB = f[i] * a + b;
      sum += fApB >= 0 ? t[i] * fApB + Math.log1p(Math.exp(-fApB)) : (t[i] - 1) * fApB + Math.log1p(Math.exp(fApB));
    }
    return sum;
  }
}
