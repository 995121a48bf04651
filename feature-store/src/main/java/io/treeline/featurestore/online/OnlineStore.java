package io.treeline.featurestore.online;

import java.util.Collection;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The latest feature values per entity, for serving. Writes come from Spark jobs and run on the
 * executors (never collected to the driver); reads serve many entities in one call without Spark.
 * A write never replaces a newer value with an older one, so replays and out-of-order jobs are safe.
 */
public interface OnlineStore extends AutoCloseable {

  /**
   * Writes the latest row per entity of {@code table}: {@code rows} holds the entity key columns,
   * {@link OnlineTable#FEATURE_TIME} (timestamp_ntz), optionally {@link OnlineTable#SOURCE_TIME}
   * (timestamp_ntz) and the feature columns. For an entity, the row
   * is kept only if its feature time is not older than the stored one. Returns rows written.
   */
  long write(OnlineTable table, Dataset<Row> rows);

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
