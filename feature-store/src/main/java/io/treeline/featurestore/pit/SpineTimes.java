package io.treeline.featurestore.pit;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;

import java.time.LocalDateTime;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;

/**
 * The earliest and latest event time of a spine (empty when no row has one): what bounds the part
 * of a view's timeline a point-in-time join must read. Scoring one day reads that day's partitions
 * and each entity's last row before it, not the whole history.
 */
public record SpineTimes(Optional<LocalDateTime> earliest, Optional<LocalDateTime> latest) {
  /** One pass over the spine, as the join will see its event times. */
  public static SpineTimes of(Dataset<Row> spine, String eventTime) {
    Row bounds = spine.select(col(eventTime).cast(DataTypes.TimestampNTZType).as("t")).agg(min("t"), max("t")).first();
    return new SpineTimes(Optional.ofNullable((LocalDateTime) bounds.get(0)), Optional.ofNullable((LocalDateTime) bounds.get(1)));
  }
}
