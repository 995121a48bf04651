package io.treeline.featurestore.offline;

import java.math.BigInteger;

/**
 * Sum, mean and sample standard deviation of a sliding window, exact whatever the magnitudes: the
 * count, the sum and the sum of squares are kept exactly (integers in longs that widen to {@link
 * BigInteger} on overflow, doubles in {@link ExactSum}s), and each result is rounded from those exact
 * figures alone. So a window's value never depends on the values that passed through it before, and
 * values like epoch milliseconds or 1e16 beside 1.0 lose nothing to cancellation.
 */
final class Moments extends Accumulator {
  enum Kind { SUM, AVG, STDDEV }

  private final Kind kind;
  private final Integral integral;
  private final Floating floating;

  Moments(int column, Kind kind) {
    this(column, kind, new Integral(), new Floating(new ExactSum(), new ExactSum()));
  }

  private Moments(int column, Kind kind, Integral integral, Floating floating) {
    super(column);
    this.kind = kind;
    this.integral = integral;
    this.floating = floating;
  }

  @Override
  Accumulator copy() {
    return new Moments(column, kind, integral.copy(), floating.copy());
  }

  @Override
  void add(Event event) {
    update(event.values()[column], 1);
  }

  @Override
  void remove(Event event) {
    update(event.values()[column], -1);
  }

  private void update(Object raw, int sign) {
    if (raw == null) {
      return;
    }
    if (raw instanceof Long || raw instanceof Integer || raw instanceof Short || raw instanceof Byte) {
      integral.update(((Number) raw).longValue(), sign);
    } else {
      floating.update(((Number) raw).doubleValue(), sign);
    }
  }

  @Override
  Object value() {
    // A column has one type, so only one of the two ever holds values.
    return integral.n > 0 ? integral.value(kind) : floating.n > 0 ? floating.value(kind) : null;
  }

  /** Exact integer sums: longs while they fit, BigIntegers from the first overflow until the window empties. */
  private static final class Integral {
    private long n;
    private long sum;
    private long squares;
    private BigInteger bigSum;
    private BigInteger bigSquares;

    Integral copy() {
      Integral copy = new Integral();
      copy.n = n;
      copy.sum = sum;
      copy.squares = squares;
      copy.bigSum = bigSum;
      copy.bigSquares = bigSquares;
      return copy;
    }

    void update(long v, int sign) {
      n += sign;
      if (bigSum == null) {
        try {
          long square = Math.multiplyExact(v, v);
          long newSum = sign > 0 ? Math.addExact(sum, v) : Math.subtractExact(sum, v);
          long newSquares = sign > 0 ? Math.addExact(squares, square) : Math.subtractExact(squares, square);
          sum = newSum;
          squares = newSquares;
          return;
        } catch (ArithmeticException overflow) {
          bigSum = BigInteger.valueOf(sum);
          bigSquares = BigInteger.valueOf(squares);
        }
      }
      BigInteger value = BigInteger.valueOf(v);
      BigInteger square = value.multiply(value);
      bigSum = sign > 0 ? bigSum.add(value) : bigSum.subtract(value);
      bigSquares = sign > 0 ? bigSquares.add(square) : bigSquares.subtract(square);
      if (n == 0) {
        bigSum = null;
        bigSquares = null;
        sum = 0;
        squares = 0;
      }
    }

    Object value(Kind kind) {
      double total = bigSum == null ? (double) sum : bigSum.doubleValue();
      return switch (kind) {
        case SUM -> total;
        case AVG -> total / n;
        case STDDEV -> n < 2 ? null : Math.sqrt(spread() / ((double) n * (n - 1)));
      };
    }

    /** n·Σv² − (Σv)², exactly, then rounded: n(n−1) times the sample variance. */
    private double spread() {
      if (bigSum == null) {
        try {
          return Math.subtractExact(Math.multiplyExact(n, squares), Math.multiplyExact(sum, sum));
        } catch (ArithmeticException overflow) {
          // falls through to the exact wide computation
        }
      }
      BigInteger s = bigSum == null ? BigInteger.valueOf(sum) : bigSum;
      BigInteger q = bigSquares == null ? BigInteger.valueOf(squares) : bigSquares;
      return BigInteger.valueOf(n).multiply(q).subtract(s.multiply(s)).doubleValue();
    }
  }

  /** Exact double sums; the variance is the exact Σ(v − m)² about a rounded mean m, corrected to the true mean. */
  private static final class Floating {
    private long n;
    private final ExactSum sum;
    private final ExactSum squares;
    private long unsquarable; // finite values whose square overflows a double

    Floating(ExactSum sum, ExactSum squares) {
      this.sum = sum;
      this.squares = squares;
    }

    Floating copy() {
      Floating copy = new Floating(sum.copy(), squares.copy());
      copy.n = n;
      copy.unsquarable = unsquarable;
      return copy;
    }

    void update(double v, int sign) {
      n += sign;
      if (sign > 0) {
        sum.add(v);
      } else {
        sum.remove(v);
      }
      if (Double.isFinite(v * v)) {
        squares.addProduct(sign * v, v);
      } else if (Double.isFinite(v)) {
        unsquarable += sign;
      }
      if (n == 0) {
        sum.clear();
        squares.clear();
        unsquarable = 0;
      }
    }

    Object value(Kind kind) {
      double total = sum.value();
      return switch (kind) {
        case SUM -> total;
        case AVG -> total / n;
        case STDDEV -> n < 2 ? null : standardDeviation(total);
      };
    }

    private double standardDeviation(double total) {
      if (!sum.finite()) {
        return Double.NaN;
      }
      if (unsquarable > 0) {
        return Double.POSITIVE_INFINITY;
      }
      double m = total / n;
      // Σ(v − m)² = Σv² − 2m·Σv + n·m², every term exact.
      ExactSum deviations = squares.copy();
      deviations.addScaled(sum, -2.0 * m);
      double mm = m * m;
      deviations.addProduct(n, mm);
      deviations.addProduct(n, Math.fma(m, m, -mm));
      // m is the mean rounded; Σ(v − μ)² = Σ(v − m)² − (Σv − n·m)²/n.
      ExactSum offset = sum.copy();
      offset.addProduct(-n, m);
      double d = offset.value();
      double spread = deviations.value() - d * d / n;
      return Math.sqrt(Math.max(0.0, spread) / (n - 1));
    }
  }
}
