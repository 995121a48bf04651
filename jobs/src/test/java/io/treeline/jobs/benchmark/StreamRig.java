package io.treeline.jobs.benchmark;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.from_json;

import io.treeline.core.config.TreelineConfig;
import io.treeline.core.lake.LakeLayout;
import io.treeline.featurestore.online.RedisServer;
import io.treeline.featurestore.spec.FeatureView;
import io.treeline.featurestore.stream.KafkaBroker;
import io.treeline.jobs.data.LoadData;
import io.treeline.jobs.runtime.JobContext;
import io.treeline.jobs.runtime.Progress;
import io.treeline.jobs.stream.EventRange;
import io.treeline.jobs.stream.Pacing;
import io.treeline.jobs.stream.ReplayEvents;
import io.treeline.jobs.stream.ReplayTarget;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StreamingQueryProgress;

/**
 * What the streaming benchmark's runs share: the SparkSession, the Kafka broker, the source lake
 * (only read) and the view; each run gets a new temporary lake and its own stream settings.
 */
record StreamRig(SparkSession spark, KafkaBroker broker, String sourceLake, FeatureView view, Path scratch) {
  /** treeline replay's job: the source's first {@code events} flights to {@code topic}, paced as asked. */
  ReplayEvents.Result replay(String topic, long events, Pacing pacing) {
    TreelineConfig config = TreelineConfig.defaults().with(Map.of("lake.root", sourceLake, "stream.kafka.bootstrap-servers", broker.bootstrapServers()));
    try (JobContext context = new JobContext(config, new PrintStream(OutputStream.nullOutputStream()), Progress.silent())) {
      return new ReplayEvents(new EventRange(Optional.empty(), Optional.empty(), Optional.of(events)),
          ReplayTarget.kafka(Optional.of(topic)), pacing).run(context);
    }
  }

  /** A new temporary lake whose raw.flights has the source's columns and no rows, so the stream has a schema and no history. */
  String newLake(String name) {
    String lake = scratch.resolve(name).toString();
    spark.read().format("delta").load(LakeLayout.at(sourceLake).table(LoadData.FLIGHTS)).limit(0)
        .write().format("delta").save(LakeLayout.at(lake).table(LoadData.FLIGHTS));
    return lake;
  }

  TreelineConfig streamConfig(String lake, RedisServer redis, String topic, int maxOffsets, int triggerSeconds) {
    return TreelineConfig.defaults().with(Map.of(
        "lake.root", lake,
        "online-store.type", "redis",
        "online-store.redis.url", redis.url(),
        "stream.kafka.bootstrap-servers", broker.bootstrapServers(),
        "stream.kafka.topic", topic,
        "stream.kafka.max-offsets-per-trigger", Integer.toString(maxOffsets),
        "stream.trigger-seconds", Integer.toString(triggerSeconds)));
  }

  /** Every event in {@code topic}, as JSON text (one column). */
  Dataset<Row> topicEvents(String topic) {
    return spark.read().format("kafka").option("kafka.bootstrap.servers", broker.bootstrapServers()).option("subscribe", topic)
        .option("startingOffsets", "earliest").option("endingOffsets", "latest").load().select(col("value").cast("string"));
  }

  /** Counted apart from the stream's code: JSON events (the one column) read with the source's columns, through the view's filter. */
  long passingFilter(Dataset<Row> json) {
    var schema = spark.read().format("delta").load(LakeLayout.at(sourceLake).table(LoadData.FLIGHTS)).schema();
    Dataset<Row> events = json.select(from_json(col(json.columns()[0]), schema).as("e")).select("e.*");
    return view.source().filter().map(f -> events.where(expr(f))).orElse(events).count();
  }

  static long duration(StreamingQueryProgress progress, String phase) {
    Long millis = progress.durationMs().get(phase);
    return millis == null ? 0 : millis;
  }

  /** "min / median / max" of sorted figures. */
  static String spread(List<Long> sorted) {
    return sorted.isEmpty() ? "-" : String.format("%,d / %,d / %,d", sorted.get(0), sorted.get(sorted.size() / 2), sorted.get(sorted.size() - 1));
  }
}
