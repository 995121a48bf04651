package io.treeline.featurestore.pit;

import static org.apache.spark.sql.functions.lit;

import io.treeline.featurestore.spec.TimeWindow;
import org.apache.spark.sql.Column;

/**
 * The one rule for a view's ttl, used by training sets and the online store alike: values may be used
 * at moment t while the newest source row behind them became known no longer than the ttl before t
 * (t − source_time ≤ ttl: at exactly the ttl they are still used, a microsecond later they are null).
 */
public final class Ttl {
  private Ttl() {}

  public static Column fresh(TimeWindow ttl, Column sourceTime, Column moment) {
    return sourceTime.geq(moment.minus(lit(ttl.duration())));
  }
}
