package io.treeline.featurestore.oracle;

import java.math.BigDecimal;
import java.math.MathContext;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The rules of docs/features.md computed the slowest obvious way, sharing no code with the engine: for
 * each moment, a full scan of the entity's source rows and exact decimal arithmetic. It is the oracle
 * the engine's timelines, training sets and range runs are checked against.
 */
final class NaiveFeatures {
  private static final MathContext WIDE = new MathContext(80);

  /** One source row as the test wrote it (its feature expressions already evaluated). */
  record SourceRow(List<Object> key, LocalDateTime eventTime, LocalDateTime availableAt, List<Object> values) {
    /** When the row became known: available_at, never before the event time, the event time when null. */
    LocalDateTime known() {
      return availableAt == null || availableAt.isBefore(eventTime) ? eventTime : availableAt;
    }
  }

  /** What a feature computes: an aggregation over a window (null: unbounded), or the row-level value. */
  record Feature(String name, String agg, Duration window, boolean countsRows) {
    boolean rowLevel() {
      return agg == null;
    }
  }

  private final List<SourceRow> rows;
  private final List<Feature> features;
  private final Duration ttl;

  NaiveFeatures(List<SourceRow> rows, List<Feature> features, Duration ttl) {
    // Rows without an event time cannot be placed; −0.0 is read as 0.0, as SQL compares them.
    this.rows = rows.stream().filter(r -> r.eventTime() != null)
        .map(r -> new SourceRow(r.key(), r.eventTime(), r.availableAt(),
            r.values().stream().map(v -> v instanceof Double d && d == 0.0 ? (Object) 0.0 : v).toList()))
        .toList();
    this.features = features;
    this.ttl = ttl;
  }

  /** Every feature's value for an entity as known strictly before {@code t}; nulls when nothing may be used. */
  List<Object> at(List<Object> key, LocalDateTime t) {
    List<Object> nulls = new ArrayList<>();
    features.forEach(f -> nulls.add(null));
    if (key.contains(null)) {
      return nulls;
    }
    List<SourceRow> known = new ArrayList<>();
    for (SourceRow row : rows) {
      if (row.key().equals(key) && row.known().isBefore(t)) {
        known.add(row);
      }
    }
    if (known.isEmpty()) {
      return nulls;
    }
    known.sort(arrivalOrder());
    LocalDateTime newest = known.get(known.size() - 1).known();
    if (ttl != null && Duration.between(newest, t).compareTo(ttl) > 0) {
      return nulls;
    }
    List<Object> values = new ArrayList<>();
    for (int i = 0; i < features.size(); i++) {
      Feature feature = features.get(i);
      List<SourceRow> inWindow = new ArrayList<>();
      for (SourceRow row : known) {
        if (feature.window() == null || !row.known().isBefore(t.minus(feature.window()))) {
          inWindow.add(row);
        }
      }
      values.add(value(feature, i, inWindow));
    }
    return values;
  }

  private static Object value(Feature feature, int column, List<SourceRow> inWindow) {
    if (feature.rowLevel()) {
      return inWindow.isEmpty() ? null : inWindow.get(inWindow.size() - 1).values().get(column);
    }
    List<Object> present = new ArrayList<>();
    for (SourceRow row : inWindow) {
      if (row.values().get(column) != null) {
        present.add(row.values().get(column));
      }
    }
    switch (feature.agg()) {
      case "count":
        return (long) (feature.countsRows() ? inWindow.size() : present.size());
      case "approx_count_distinct": {
        Set<Object> distinct = new HashSet<>();
        for (Object v : present) {
          distinct.add(v instanceof Double d ? (d == 0.0 ? 0.0 : d.isNaN() ? Double.NaN : d) : v);
        }
        return (long) distinct.size();
      }
      case "last":
        return present.isEmpty() ? null : present.get(present.size() - 1);
      case "min":
      case "max": {
        if (present.isEmpty()) {
          return null;
        }
        Object best = present.get(0);
        for (Object v : present) {
          int c = sqlCompare(v, best);
          if (feature.agg().equals("min") ? c < 0 : c > 0) {
            best = v;
          }
        }
        return ((Number) best).doubleValue();
      }
      default:
        return moment(feature.agg(), present);
    }
  }

  /** sum, avg, stddev: exact decimals, rounded to a double once at the end. */
  private static Object moment(String agg, List<Object> present) {
    if (present.isEmpty()) {
      return null;
    }
    boolean nan = false;
    for (Object v : present) {
      nan |= v instanceof Double d && d.isNaN();
    }
    int n = present.size();
    if (agg.equals("stddev") && n < 2) {
      return null;
    }
    if (nan) {
      return Double.NaN;
    }
    BigDecimal sum = BigDecimal.ZERO;
    for (Object v : present) {
      sum = sum.add(decimal(v));
    }
    switch (agg) {
      case "sum":
        return Double.parseDouble(sum.toString());
      case "avg":
        return Double.parseDouble(sum.divide(BigDecimal.valueOf(n), WIDE).toString());
      default: {
        BigDecimal mean = sum.divide(BigDecimal.valueOf(n), WIDE);
        BigDecimal squares = BigDecimal.ZERO;
        for (Object v : present) {
          BigDecimal d = decimal(v).subtract(mean);
          squares = squares.add(d.multiply(d));
        }
        BigDecimal variance = squares.divide(BigDecimal.valueOf(n - 1), WIDE);
        return Double.parseDouble(variance.sqrt(WIDE).toString());
      }
    }
  }

  private static BigDecimal decimal(Object v) {
    return v instanceof Long l ? BigDecimal.valueOf(l) : new BigDecimal((Double) v);
  }

  /** SQL's order of values: nulls first, numbers by value (NaN above all), strings by code point. */
  static int sqlCompare(Object a, Object b) {
    if (a == null || b == null) {
      return a == null ? (b == null ? 0 : -1) : 1;
    }
    if (a instanceof Long x && b instanceof Long y) {
      return Long.compare(x, y);
    }
    if (a instanceof Number x && b instanceof Number y) {
      double p = x.doubleValue();
      double q = y.doubleValue();
      return p == q ? 0 : Double.compare(p, q);
    }
    return a.toString().compareTo(b.toString());
  }

  /**
   * The order rows become known in: availability, then event time, then (a tie the data cannot break)
   * the values in the order the features are declared, as documented.
   */
  private Comparator<SourceRow> arrivalOrder() {
    Comparator<SourceRow> order = Comparator.comparing(SourceRow::known).thenComparing(SourceRow::eventTime);
    for (int i = 0; i < features.size(); i++) {
      int column = i;
      order = order.thenComparing((x, y) -> sqlCompare(x.values().get(column), y.values().get(column)));
    }
    return order;
  }

  static boolean sameKey(List<Object> a, List<Object> b) {
    return Objects.equals(a, b);
  }
}
