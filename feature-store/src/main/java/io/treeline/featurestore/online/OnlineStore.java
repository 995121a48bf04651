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
   * {@link OnlineTable#FEATURE_TIME} (timestamp_ntz) and the feature columns. For an entity, the row
   * is kept only if its feature time is not older than the stored one. Returns rows written.
   */
  long write(OnlineTable table, Dataset<Row> rows);

  /** Reads many entities' features in one call; entities the store does not hold are absent from the result. */
  Map<EntityKey, FeatureValues> read(OnlineTable table, Collection<EntityKey> keys);

  Freshness freshness(OnlineTable table);

  @Override
  void close();
}
