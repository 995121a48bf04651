package io.treeline.featurestore.online;

import java.util.Collection;
import java.util.Map;

/**
 * The read side of an online store, for serving: needs no SparkSession, so a prediction server
 * opens one ({@link OnlineStores#openForServing(io.treeline.core.config.TreelineConfig, org.apache.hadoop.conf.Configuration)})
 * without loading Spark.
 */
public interface OnlineReader extends AutoCloseable {
  /** Reads many entities' features in one call; entities the store does not hold are absent from the result. */
  Map<EntityKey, FeatureValues> read(OnlineTable table, Collection<EntityKey> keys);

  /**
   * Reads several views' entities at once, for serving: a model's lookups cost one round trip to
   * the store, not one per view. Views and entities the store does not hold are absent.
   */
  default Map<OnlineTable, Map<EntityKey, FeatureValues>> readAll(Map<OnlineTable, ? extends Collection<EntityKey>> requests) {
    Map<OnlineTable, Map<EntityKey, FeatureValues>> found = new java.util.LinkedHashMap<>();
    requests.forEach((table, keys) -> found.put(table, read(table, keys)));
    return found;
  }

  Freshness freshness(OnlineTable table);

  /** Brings a view's cached values up to date now; a store that reads through to its server has nothing to do. */
  default void refresh(OnlineTable table) {}

  @Override
  void close();
}
