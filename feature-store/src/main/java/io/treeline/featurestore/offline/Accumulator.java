package io.treeline.featurestore.offline;

import io.treeline.featurestore.spec.Aggregation;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * A sliding-window aggregate that events enter in availability order and leave oldest first.
 * Every operation is O(1) amortised: sums are kept exactly in longs for integral inputs, min and
 * max use monotonic deques, distinct counts a multiset.
 */
abstract class Accumulator {
  protected final int column;

  Accumulator(int column) {
    this.column = column;
  }

  static Accumulator of(Aggregation aggregation, int column, boolean bounded) {
    return switch (aggregation) {
      case COUNT -> new Count(column);
      case SUM -> new Moments(column, Moments.Kind.SUM);
      case AVG -> new Moments(column, Moments.Kind.AVG);
      case STDDEV -> new Moments(column, Moments.Kind.STDDEV);
      case MIN -> new Extreme(column, true);
      case MAX -> new Extreme(column, false);
      case APPROX_COUNT_DISTINCT -> new Distinct(column);
      case LAST -> new Last(column, bounded);
    };
  }

  abstract void add(Event event);

  abstract void remove(Event event);

  abstract Object value();

  static final class Count extends Accumulator {
    private long n;

    Count(int column) {
      super(column);
    }

    @Override
    void add(Event event) {
      if (event.values()[column] != null) {
        n++;
      }
    }

    @Override
    void remove(Event event) {
      if (event.values()[column] != null) {
        n--;
      }
    }

    @Override
    Object value() {
      return n;
    }
  }

  /** Sum, mean and sample standard deviation from count, sum and sum of squares. */
  static final class Moments extends Accumulator {
    enum Kind { SUM, AVG, STDDEV }

    private final Kind kind;
    private long n;
    private long longSum;
    private long longSquares;
    private double doubleSum;
    private double doubleSquares;
    private long fractional; // values in the window that are not integral

    Moments(int column, Kind kind) {
      super(column);
      this.kind = kind;
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
      n += sign;
      if (raw instanceof Integer || raw instanceof Long || raw instanceof Short || raw instanceof Byte) {
        long v = ((Number) raw).longValue();
        longSum += sign * v;
        longSquares += sign * v * v;
      } else {
        double v = ((Number) raw).doubleValue();
        doubleSum += sign * v;
        doubleSquares += sign * v * v;
        fractional += sign;
        if (fractional == 0) {
          // Rounding left behind by values that have all left the window must not linger.
          doubleSum = 0;
          doubleSquares = 0;
        }
      }
    }

    @Override
    Object value() {
      if (n == 0) {
        return null;
      }
      double sum = longSum + doubleSum;
      return switch (kind) {
        case SUM -> sum;
        case AVG -> sum / n;
        case STDDEV -> {
          if (n < 2) {
            yield null;
          }
          double squares = longSquares + doubleSquares;
          yield Math.sqrt(Math.max(0, (squares - sum * sum / n) / (n - 1)));
        }
      };
    }
  }

  static final class Extreme extends Accumulator {
    private final boolean min;
    private final ArrayDeque<Event> candidates = new ArrayDeque<>();

    Extreme(int column, boolean min) {
      super(column);
      this.min = min;
    }

    private double of(Event e) {
      return ((Number) e.values()[column]).doubleValue();
    }

    @Override
    void add(Event event) {
      if (event.values()[column] == null) {
        return;
      }
      double v = of(event);
      while (!candidates.isEmpty() && (min ? of(candidates.peekLast()) >= v : of(candidates.peekLast()) <= v)) {
        candidates.pollLast();
      }
      candidates.addLast(event);
    }

    @Override
    void remove(Event event) {
      if (candidates.peekFirst() == event) {
        candidates.pollFirst();
      }
    }

    @Override
    Object value() {
      return candidates.isEmpty() ? null : of(candidates.peekFirst());
    }
  }

  static final class Distinct extends Accumulator {
    private final Map<Object, Integer> counts = new HashMap<>();

    Distinct(int column) {
      super(column);
    }

    @Override
    void add(Event event) {
      Object v = event.values()[column];
      if (v != null) {
        counts.merge(v, 1, Integer::sum);
      }
    }

    @Override
    void remove(Event event) {
      Object v = event.values()[column];
      if (v != null) {
        counts.computeIfPresent(v, (k, c) -> c == 1 ? null : c - 1);
      }
    }

    @Override
    Object value() {
      return (long) counts.size();
    }
  }

  /** The newest non-null value in the window (events arrive in availability order). */
  static final class Last extends Accumulator {
    private final ArrayDeque<Event> present = new ArrayDeque<>();
    private final boolean bounded;

    Last(int column, boolean bounded) {
      super(column);
      this.bounded = bounded;
    }

    @Override
    void add(Event event) {
      if (event.values()[column] != null) {
        if (!bounded) {
          present.clear(); // nothing ever leaves an unbounded window: only the newest value matters
        }
        present.addLast(event);
      }
    }

    @Override
    void remove(Event event) {
      if (present.peekFirst() == event) {
        present.pollFirst();
      }
    }

    @Override
    Object value() {
      return present.isEmpty() ? null : present.peekLast().values()[column];
    }
  }
}
