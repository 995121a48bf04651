package io.treeline.featurestore.stream;

import java.time.Duration;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Where the online lane reads events: the micro-batches' source, read directly, from where the last
 * committed micro-batch ended. Rows have the {@link #RAW} columns, as {@link StreamSources} gives them.
 */
interface LaneFeed extends AutoCloseable {
  StructType RAW = new StructType()
      .add(StreamEvents.PAYLOAD, DataTypes.StringType)
      .add(StreamEvents.TOPIC, DataTypes.StringType)
      .add(StreamEvents.PARTITION, DataTypes.IntegerType)
      .add(StreamEvents.OFFSET, DataTypes.LongType)
      .add(StreamEvents.FILE, DataTypes.StringType)
      .add(StreamEvents.PRODUCED_AT, DataTypes.TimestampType);

  /** The events that have arrived, waiting at most {@code wait} when none has. */
  List<Row> poll(Duration wait);

  @Override
  void close();

  static LaneFeed open(StreamSettings settings, CommittedBatch committed, org.apache.hadoop.conf.Configuration hadoop) {
    return settings.kafka() ? new KafkaLaneFeed(settings, committed.nextOffsets()) : new FileLaneFeed(settings.filesDir(), committed.filesRead(), hadoop);
  }
}
