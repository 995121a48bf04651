package io.treeline.featurestore.spec;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/** The windowed aggregations a feature may declare; each is computed per entity over a sliding window. */
public enum Aggregation {
  COUNT("count", false),
  SUM("sum", true),
  AVG("avg", true),
  MIN("min", true),
  MAX("max", true),
  STDDEV("stddev", true),
  /** Distinct values in the window; computed exactly, so the "approximation" has no error. */
  APPROX_COUNT_DISTINCT("approx_count_distinct", false),
  LAST("last", false);

  private final String key;
  private final boolean numeric;

  Aggregation(String key, boolean numeric) {
    this.key = key;
    this.numeric = numeric;
  }

  public String key() {
    return key;
  }

  /** Whether the aggregated expression must be numeric. */
  public boolean numeric() {
    return numeric;
  }

  public static Optional<Aggregation> parse(String value) {
    String v = value.trim().toLowerCase(Locale.ROOT);
    return Arrays.stream(values()).filter(a -> a.key.equals(v)).findFirst();
  }

  public static String allowed() {
    return Arrays.stream(values()).map(Aggregation::key).collect(Collectors.joining(", "));
  }
}
