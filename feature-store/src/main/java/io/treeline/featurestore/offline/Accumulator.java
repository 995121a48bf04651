package io.treeline.featurestore.offline;

import io.treeline.featurestore.spec.Aggregation;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * A sliding-window aggregate that events enter in availability order and leave oldest first.
 * Every operation is O(1) amortised: sums are exact ({@link Moments}), min and max use monotonic
 * deques, distinct counts a multiset. {@link #copy} lets a streaming entity try events that may still
 * be overtaken by later ones on a copy.
 */
abstract class Accumulator {
  protected final int column;

  Accumulator(int column) {
    this.column = column;
  }

  /**
   * @param bounded whether the feature has a window
   * @param rowLevel a feature without an aggregation: the latest row's value, null or not
   */
  static Accumulator of(Aggregation aggregation, int column, boolean bounded, boolean rowLevel) {
    if (rowLevel) {
      return new Latest(column);
    }
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

  /** An independent accumulator in the same state (events are immutable and shared). */
  abstract Accumulator copy();

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
    Accumulator copy() {
      Count copy = new Count(column);
      copy.n = n;
      return copy;
    }

    @Override
    Object value() {
      return n;
    }
  }

  static final class Extreme extends Accumulator {
    private final boolean min;
    private final ArrayDeque<Event> candidates = new ArrayDeque<>();

    Extreme(int column, boolean min) {
      super(column);
      this.min = min;
    }

    /** SQL's order: integers as integers, NaN above every other double. */
    private int compare(Event a, Event b) {
      Object x = a.values()[column];
      Object y = b.values()[column];
      if (x instanceof Long || x instanceof Integer || x instanceof Short || x instanceof Byte) {
        return Long.compare(((Number) x).longValue(), ((Number) y).longValue());
      }
      return Double.compare(((Number) x).doubleValue(), ((Number) y).doubleValue());
    }

    @Override
    void add(Event event) {
      if (event.values()[column] == null) {
        return;
      }
      // An older candidate that is not better than the newcomer can never be the answer again.
      while (!candidates.isEmpty() && (min ? compare(candidates.peekLast(), event) >= 0 : compare(candidates.peekLast(), event) <= 0)) {
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
    Accumulator copy() {
      Extreme copy = new Extreme(column, min);
      copy.candidates.addAll(candidates);
      return copy;
    }

    @Override
    Object value() {
      return candidates.isEmpty() ? null : ((Number) candidates.peekFirst().values()[column]).doubleValue();
    }
  }

  static final class Distinct extends Accumulator {
    private final Map<Object, Integer> counts = new HashMap<>();

    Distinct(int column) {
      super(column);
    }

    @Override
    void add(Event event) {
      Object v = normalized(event.values()[column]);
      if (v != null) {
        counts.merge(v, 1, Integer::sum);
      }
    }

    @Override
    void remove(Event event) {
      Object v = normalized(event.values()[column]);
      if (v != null) {
        counts.computeIfPresent(v, (k, c) -> c == 1 ? null : c - 1);
      }
    }

    /** As SQL compares them: 0.0 and −0.0 are one value, every NaN is the same NaN. */
    private static Object normalized(Object v) {
      if (v instanceof Double d) {
        return d == 0.0 ? 0.0 : d.isNaN() ? Double.NaN : d;
      }
      if (v instanceof Float f) {
        return f == 0.0f ? 0.0f : f.isNaN() ? Float.NaN : f;
      }
      return v;
    }

    @Override
    Accumulator copy() {
      Distinct copy = new Distinct(column);
      copy.counts.putAll(counts);
      return copy;
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
    Accumulator copy() {
      Last copy = new Last(column, bounded);
      copy.present.addAll(present);
      return copy;
    }

    @Override
    Object value() {
      return present.isEmpty() ? null : present.peekLast().values()[column];
    }
  }

  /** A row-level feature: the value of the newest row known, null or not, however old. */
  static final class Latest extends Accumulator {
    private Object latest;

    Latest(int column) {
      super(column);
    }

    @Override
    void add(Event event) {
      latest = event.values()[column];
    }

    @Override
    void remove(Event event) {
      // unbounded: nothing leaves
    }

    @Override
    Accumulator copy() {
      Latest copy = new Latest(column);
      copy.latest = latest;
      return copy;
    }

    @Override
    Object value() {
      return latest;
    }
  }
}
