package io.treeline.featurestore.offline;

import java.util.Arrays;

/**
 * The exact sum of a multiset of doubles that values enter and leave. The total is held as a short
 * expansion of non-overlapping partial sums (Shewchuk's algorithm, as in Python's {@code math.fsum}),
 * so no value is lost to rounding, 1e16 and 1.0 both count, and a value that leaves takes exactly
 * its own share with it. {@link #value} is the correctly rounded total: it depends only on the values
 * present, never on the order they came and went, which is what makes a range rerun equal a full run
 * bit for bit. NaN and infinities are counted apart, as SQL sums them.
 */
final class ExactSum {
  private double[] partials = new double[4];
  private int size;
  private long nans;
  private long positiveInfinities;
  private long negativeInfinities;

  void add(double v) {
    if (Double.isNaN(v)) {
      nans++;
    } else if (Double.isInfinite(v)) {
      if (v > 0) {
        positiveInfinities++;
      } else {
        negativeInfinities++;
      }
    } else {
      accumulate(v);
    }
  }

  void remove(double v) {
    if (Double.isNaN(v)) {
      nans--;
    } else if (Double.isInfinite(v)) {
      if (v > 0) {
        positiveInfinities--;
      } else {
        negativeInfinities--;
      }
    } else {
      accumulate(-v);
    }
  }

  /** Adds the exact product a·b (as its rounded value and its rounding error, both doubles). */
  void addProduct(double a, double b) {
    double high = a * b;
    if (Double.isInfinite(high) || Double.isNaN(high)) {
      add(high);
      return;
    }
    accumulate(high);
    accumulate(Math.fma(a, b, -high));
  }

  boolean finite() {
    return nans == 0 && positiveInfinities == 0 && negativeInfinities == 0;
  }

  void clear() {
    size = 0;
    nans = 0;
    positiveInfinities = 0;
    negativeInfinities = 0;
  }

  ExactSum copy() {
    ExactSum copy = new ExactSum();
    copy.partials = Arrays.copyOf(partials, Math.max(4, size));
    copy.size = size;
    copy.nans = nans;
    copy.positiveInfinities = positiveInfinities;
    copy.negativeInfinities = negativeInfinities;
    return copy;
  }

  /** Adds every partial of {@code other} multiplied by {@code factor}, exactly. */
  void addScaled(ExactSum other, double factor) {
    for (int i = 0; i < other.size; i++) {
      addProduct(other.partials[i], factor);
    }
  }

  private void accumulate(double x) {
    int kept = 0;
    for (int j = 0; j < size; j++) {
      double y = partials[j];
      if (Math.abs(x) < Math.abs(y)) {
        double t = x;
        x = y;
        y = t;
      }
      double high = x + y;
      double low = y - (high - x);
      if (low != 0.0) {
        partials[kept++] = low;
      }
      x = high;
    }
    if (kept == partials.length) {
      partials = Arrays.copyOf(partials, kept * 2);
    }
    partials[kept++] = x;
    size = kept;
  }

  /** The total rounded once to the nearest double (ties to even); 0.0 for nothing. */
  double value() {
    if (nans > 0 || (positiveInfinities > 0 && negativeInfinities > 0)) {
      return Double.NaN;
    }
    if (positiveInfinities > 0) {
      return Double.POSITIVE_INFINITY;
    }
    if (negativeInfinities > 0) {
      return Double.NEGATIVE_INFINITY;
    }
    if (size == 0) {
      return 0.0;
    }
    int n = size - 1;
    double high = partials[n];
    double low = 0.0;
    while (n > 0) {
      double x = high;
      double y = partials[--n];
      high = x + y;
      low = y - (high - x);
      if (low != 0.0) {
        break;
      }
    }
    // Half-way cases: the partials below decide which way the rounding of high + low must go.
    if (n > 0 && ((low < 0.0 && partials[n - 1] < 0.0) || (low > 0.0 && partials[n - 1] > 0.0))) {
      double y = low * 2.0;
      double x = high + y;
      if (y == x - high) {
        high = x;
      }
    }
    return high == 0.0 ? 0.0 : high;
  }
}
