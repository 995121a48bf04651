package io.treeline.featurestore.spec;

import java.util.Optional;

/**
 * One feature of a view. Without an aggregation it is row-level: a Spark SQL expression of the
 * source row (in a timed view, the value of the latest row known). With one, it aggregates {@code
 * expr} over the sliding {@code window} ending at each moment; a missing window (only for {@code
 * last}) means "the latest known value, however old" (bounded by the view's ttl).
 */
public record FeatureSpec(
    String name, Optional<String> expr, Optional<Aggregation> aggregation, Optional<TimeWindow> window, String description) {

  public boolean rowLevel() {
    return aggregation.isEmpty();
  }

  /** The aggregation the engine runs: row-level features of a timed view are "last, unbounded". */
  public Aggregation effectiveAggregation() {
    return aggregation.orElse(Aggregation.LAST);
  }

  /** The expression whose values are aggregated; {@code count} without one counts rows. */
  public String valueExpression() {
    return expr.orElse("1");
  }
}
