package io.treeline.modelpackage;

import java.util.Arrays;

/**
 * Maps a binary classifier's positive-class probability to a calibrated one. Fitted by training on
 * the validation split and stored in {@code treeline.json}; serving and batch scoring apply this
 * same code, so a calibrated probability is the same number wherever it is computed.
 */
public sealed interface Calibration extends java.io.Serializable {
  Calibration NONE = new None();

  double apply(double probability);

  /** {@code none}, {@code platt} or {@code isotonic}: the spec's word for it. */
  String method();

  /** The probability as the forest gives it. */
  record None() implements Calibration {
    @Override
    public double apply(double probability) {
      return probability;
    }

    @Override
    public String method() {
      return "none";
    }
  }

  /** Platt scaling: {@code 1 / (1 + e^-(a·p + b))}. */
  record Platt(double a, double b) implements Calibration {
    public Platt {
      if (!Double.isFinite(a) || !Double.isFinite(b)) {
        throw new IllegalArgumentException("Platt scaling needs finite coefficients, got a=" + a + ", b=" + b);
      }
    }

    @Override
    public double apply(double probability) {
      return 1.0 / (1.0 + Math.exp(-(a * probability + b)));
    }

    @Override
    public String method() {
      return "platt";
    }
  }

  /**
   * Isotonic regression: a non-decreasing curve through {@code (x[i], y[i])}, interpolated linearly
   * between points and flat beyond the ends (as scikit-learn's and Spark's isotonic models are).
   */
  record Isotonic(double[] x, double[] y) implements Calibration {
    public Isotonic {
      if (x.length == 0 || x.length != y.length) {
        throw new IllegalArgumentException("isotonic calibration needs as many x as y values, at least one; got " + x.length + " and " + y.length);
      }
      for (int i = 0; i < x.length; i++) {
        if (!Double.isFinite(x[i]) || !Double.isFinite(y[i]) || i > 0 && (x[i] < x[i - 1] || y[i] < y[i - 1])) {
          throw new IllegalArgumentException("isotonic calibration points must be finite and non-decreasing in x and y; point " + i
              + " is (" + x[i] + ", " + y[i] + ")");
        }
      }
      x = x.clone();
      y = y.clone();
    }

    @Override
    public double apply(double probability) {
      if (Double.isNaN(probability)) {
        return probability;
      }
      // the last point at or below the probability
      int low = 0;
      int high = x.length;
      while (low < high) {
        int middle = (low + high) >>> 1;
        if (x[middle] <= probability) {
          low = middle + 1;
        } else {
          high = middle;
        }
      }
      int i = low - 1;
      if (i < 0) {
        return y[0];
      }
      if (i == x.length - 1) {
        return y[i];
      }
      return y[i] + (y[i + 1] - y[i]) * (probability - x[i]) / (x[i + 1] - x[i]);
    }

    @Override
    public String method() {
      return "isotonic";
    }

    @Override
    public double[] x() {
      return x.clone();
    }

    @Override
    public double[] y() {
      return y.clone();
    }

    @Override
    public boolean equals(Object other) {
      return other instanceof Isotonic o && Arrays.equals(x, o.x) && Arrays.equals(y, o.y);
    }

    @Override
    public int hashCode() {
      return 31 * Arrays.hashCode(x) + Arrays.hashCode(y);
    }

    @Override
    public String toString() {
      return "Isotonic[" + x.length + " points]";
    }
  }
}
