package io.treeline.featurestore.online;

import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The latest feature values per entity: an {@link OnlineReader} that Spark jobs also write to.
 * Writes run on the executors (never collected to the driver); reads serve many entities in one
 * call without Spark. A write never replaces a newer value with an older one, so replays and
 * out-of-order jobs are safe.
 */
public interface OnlineStore extends OnlineReader {
  /**
   * Writes the latest row per entity of {@code table}: {@code rows} holds the entity key columns,
   * {@link OnlineTable#FEATURE_TIME} (timestamp_ntz), optionally {@link OnlineTable#SOURCE_TIME}
   * (timestamp_ntz) and the feature columns. For an entity, the row
   * is kept only if its feature time is not older than the stored one. Returns rows written.
   */
  long write(OnlineTable table, Dataset<Row> rows);

  /**
   * {@link #write} of rows held in this process — a stream's online lane writes a few thousand at a
   * time, many times a second — without a Spark job where the store can. Each row carries its schema.
   */
  default long writeLocal(OnlineTable table, List<Row> rows) {
    if (rows.isEmpty()) {
      return 0;
    }
    return write(table, SparkSession.active().createDataFrame(rows, rows.get(0).schema()));
  }
}
