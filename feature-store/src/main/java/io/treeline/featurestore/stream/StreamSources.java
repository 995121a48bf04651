package io.treeline.featurestore.stream;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import io.treeline.core.error.Errors;
import java.io.IOException;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;

/**
 * The events of a stream as rows of {@link StreamEvents#PAYLOAD} and the coordinates, from a Kafka
 * topic or from a directory of JSON-lines files (Spark's file source, which skips files whose name
 * starts with "." or "_", so writers can write under such a name and rename).
 */
public final class StreamSources {
  private StreamSources() {}

  public static Dataset<Row> open(SparkSession spark, StreamSettings settings) {
    if (settings.kafka()) {
      // Spark reads one Kafka partition per task unless told otherwise; a partition keyed by busy
      // entities holds more events than the others, and its task alone then parses the batch's tail
      // while the other cores wait. More read tasks than topic partitions split the larger ones.
      int readTasks = 2 * spark.sparkContext().defaultParallelism();
      return spark.readStream().format("kafka").options(settings.sourceOptions()).option("minPartitions", readTasks).load().select(
          col("value").cast(DataTypes.StringType).as(StreamEvents.PAYLOAD),
          col("topic").as(StreamEvents.TOPIC),
          col("partition").as(StreamEvents.PARTITION),
          col("offset").as(StreamEvents.OFFSET),
          lit(null).cast(DataTypes.StringType).as(StreamEvents.FILE),
          col("timestamp").as(StreamEvents.PRODUCED_AT));
    }
    Path dir = new Path(settings.filesDir());
    try {
      dir.getFileSystem(spark.sparkContext().hadoopConfiguration()).mkdirs(dir);
    } catch (IOException e) {
      throw Errors.invalidInput("stream", "events from " + settings.filesDir(), e.getMessage(),
          "Set stream.files.dir to a directory this user can create and read.", e);
    }
    var reader = spark.readStream().format("text");
    if (settings.maxFilesPerTrigger() > 0) {
      reader = reader.option("maxFilesPerTrigger", settings.maxFilesPerTrigger());
    }
    return reader.load(settings.filesDir()).select(
        col("value").as(StreamEvents.PAYLOAD),
        lit(null).cast(DataTypes.StringType).as(StreamEvents.TOPIC),
        lit(null).cast(DataTypes.IntegerType).as(StreamEvents.PARTITION),
        lit(null).cast(DataTypes.LongType).as(StreamEvents.OFFSET),
        col("_metadata.file_path").as(StreamEvents.FILE),
        col("_metadata.file_modification_time").as(StreamEvents.PRODUCED_AT));
  }
}
