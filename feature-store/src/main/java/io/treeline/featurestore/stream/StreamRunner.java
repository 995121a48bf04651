package io.treeline.featurestore.stream;

import io.delta.tables.DeltaTable;
import io.treeline.core.error.Errors;
import io.treeline.core.json.JsonObjects;
import io.treeline.core.lake.LakeLayout;
import io.treeline.core.lake.TableName;
import io.treeline.featurestore.online.OnlineStore;
import io.treeline.featurestore.spec.FeatureView;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.SourceProgress;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.StreamingQueryException;
import org.apache.spark.sql.streaming.StreamingQueryListener;
import org.apache.spark.sql.streaming.StreamingQueryProgress;
import org.apache.spark.sql.streaming.Trigger;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one Structured Streaming query per feature view, each with its own checkpoint
 * ({@code <stream.checkpoint-dir>/<view>}), and keeps each one's status file up to date.
 */
public final class StreamRunner implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(StreamRunner.class);
  /** This machine's name, in each status file, so a status reader knows whether it can check the process. */
  public static final String HOST = hostName();

  private final SparkSession spark;
  private final StreamSettings settings;
  private final List<Running> running = new ArrayList<>();
  private final Listener listener = new Listener();
  private final Consumer<Map<String, Object>> onStatus;

  /** One view's query, and its online lane (null when the micro-batches write the online values). */
  public record Running(ViewStream stream, StreamingQuery query, String checkpoint, OnlineLane lane) {
    /** The figures of what writes the online values: the lane when there is one. */
    public StreamMetrics onlineMetrics() {
      return lane == null ? stream.metrics() : lane.metrics();
    }
  }

  private StreamRunner(SparkSession spark, StreamSettings settings, Consumer<Map<String, Object>> onStatus) {
    this.spark = spark;
    this.settings = settings;
    this.onStatus = onStatus;
  }

  /**
   * Starts the views' streams.
   *
   * @param availableNow process the events there are now, then stop (a scheduled run), rather than run until stopped
   */
  public static StreamRunner start(SparkSession spark, LakeLayout layout, StreamSettings settings, List<FeatureView> views,
      OnlineStore store, boolean availableNow) {
    return start(spark, layout, settings, views, store, availableNow, status -> {});
  }

  /**
   * Starts the views' streams; {@code onStatus} also receives each status as it is written (after every
   * batch and at the end), e.g. to push it to a monitoring system. It must not block for long.
   */
  public static StreamRunner start(SparkSession spark, LakeLayout layout, StreamSettings settings, List<FeatureView> views,
      OnlineStore store, boolean availableNow, Consumer<Map<String, Object>> onStatus) {
    if (views.isEmpty()) {
      throw Errors.invalidInput("stream", "features", "no --view given", "Name the views to stream, e.g. --view origin_airport_stats.");
    }
    views.forEach(view -> check(spark, layout, view));
    StreamRunner runner = new StreamRunner(spark, settings, onStatus);
    spark.streams().addListener(runner.listener);
    try {
      for (FeatureView view : views) {
        String checkpoint = settings.checkpointDir() + "/" + view.name();
        long watermarkDelay = Duration.ofMinutes(settings.watermarkMinutes()).toNanos() / 1000;
        StructType schema = sourceSchema(spark, layout, view);
        // A run that catches up and stops has no use for freshness: its micro-batches write online.
        OnlineLane lane = settings.onlineLane() && view.online() && store != null && !availableNow
            ? new OnlineLane(spark, view, layout, store, settings, checkpoint, watermarkDelay, schema)
            : null;
        ViewStream stream = new ViewStream(view, layout, lane == null ? store : null, checkpoint, watermarkDelay, schema);
        StreamingQuery query = StreamSources.open(spark, settings).writeStream()
            .queryName("treeline-stream-" + view.name())
            .option("checkpointLocation", checkpoint)
            .trigger(availableNow ? Trigger.AvailableNow() : Trigger.ProcessingTime(Duration.ofSeconds(settings.triggerSeconds()).toMillis()))
            .foreachBatch(stream)
            .start();
        runner.running.add(new Running(stream, query, checkpoint, lane));
        if (lane != null) {
          lane.start();
        }
        LOG.debug("Streaming {} from {} (checkpoint {})", view.name(), settings.source(), checkpoint);
      }
    } catch (TimeoutException | RuntimeException e) {
      runner.close();
      throw e instanceof RuntimeException r ? r : new IllegalStateException(e);
    }
    return runner;
  }

  private static void check(SparkSession spark, LakeLayout layout, FeatureView view) {
    if (!view.timed()) {
      throw Errors.invalidInput("stream", "view " + view.name(), "it has no event_time, so there is nothing to stream (it holds one row per entity)",
          "Stream timed views; load a static view's source and run treeline features materialize.");
    }
    if (view.source().table().isEmpty()) {
      throw Errors.invalidInput("stream", "view " + view.name(), "its source is files (" + view.source().describe() + "), not a lake table",
          "A streamed view's events take the schema of its source table: give the view a source.table.");
    }
    String table = layout.table(TableName.parse(view.source().table().get()));
    if (!DeltaTable.isDeltaTable(spark, table)) {
      throw Errors.invalidInput("stream", "view " + view.name(), "its source table " + view.source().table().get()
          + " does not exist, and events are read with that table's columns", "Load it first (treeline data load), or create it empty with the events' columns.");
    }
  }

  private static StructType sourceSchema(SparkSession spark, LakeLayout layout, FeatureView view) {
    return spark.read().format("delta").load(layout.table(TableName.parse(view.source().table().get()))).schema();
  }

  public List<Running> running() {
    return List.copyOf(running);
  }

  /**
   * Waits until every query has stopped; a query or online lane that failed fails this, with what
   * happened and what to do.
   */
  public void awaitTermination() {
    for (Running one : running) {
      try {
        while (!one.query().awaitTermination(500)) {
          for (Running any : running) {
            if (any.lane() != null && any.lane().failure().isPresent()) {
              close();
              throw laneFailure(any, any.lane().failure().get());
            }
          }
        }
      } catch (StreamingQueryException e) {
        close();
        throw failure(one, e);
      }
    }
  }

  private static RuntimeException laneFailure(Running one, Throwable e) {
    return Errors.jobFailed("stream", "online lane of " + one.stream().view().name(), String.valueOf(e.getMessage()).lines().findFirst().orElse(""),
        "Fix the cause and start the stream again: the lane rebuilds its state from the event log and the last committed micro-batch "
            + "(or set stream.online-lane=false to leave the online writes to the micro-batches).", e);
  }

  /** Waits until every query is between batches (for at most {@code grace}), then stops them: a batch in progress finishes. */
  public void stopGracefully(Duration grace) {
    long deadline = System.nanoTime() + grace.toNanos();
    for (Running one : running) {
      while (one.query().isActive() && one.query().status().isTriggerActive() && System.nanoTime() < deadline) {
        sleep(50);
      }
      stop(one);
    }
  }

  private static RuntimeException failure(Running one, StreamingQueryException e) {
    String view = one.stream().view().name();
    String message = String.valueOf(e.getMessage());
    if (message.contains("data may have been lost") || message.contains("failOnDataLoss")) {
      return Errors.jobFailed("stream", "view " + view, "events it had not read yet are gone from the topic (deleted by retention, "
          + "or the topic was deleted and made again); stream.kafka.fail-on-data-loss is true, so it stopped rather than skip them",
          "Backfill the gap from the source with treeline features materialize, then either restart with --conf stream.kafka.fail-on-data-loss=false "
              + "(it goes on from the oldest events still there) or on a new checkpoint (stream.checkpoint-dir).", e);
    }
    Throwable cause = e.getCause() == null ? e : e.getCause();
    return Errors.jobFailed("stream", "view " + view, String.valueOf(cause.getMessage()).lines().findFirst().orElse(""),
        "Fix the cause and start the stream again: it goes on from its checkpoint (" + one.checkpoint() + ") and writes nothing twice.", e);
  }

  private static void stop(Running one) {
    try {
      one.query().stop();
    } catch (TimeoutException e) {
      LOG.warn("{} did not stop in time: {}", one.query().name(), e.getMessage());
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    running.stream().filter(one -> one.lane() != null).forEach(one -> one.lane().close());
    running.forEach(StreamRunner::stop);
    // The listener hears of the end on Spark's listener thread, maybe after this returns; the final
    // state is written here, once the listener can no longer overwrite it with an older one.
    spark.streams().removeListener(listener);
    for (Running one : running) {
      var failure = one.query().exception();
      listener.write(one.query().id(), failure.isDefined() ? "failed" : "stopped", null,
          failure.isDefined() ? String.valueOf(failure.get().getMessage()) : null, true);
    }
  }

  /** Keeps each query's status file up to date; never fails the stream. */
  private final class Listener extends StreamingQueryListener {
    @Override
    public void onQueryStarted(QueryStartedEvent event) {}

    @Override
    public void onQueryProgress(QueryProgressEvent event) {
      StreamingQueryProgress progress = event.progress();
      write(progress.id(), "running", progress, null, false);
    }

    @Override
    public void onQueryIdle(QueryIdleEvent event) {}

    @Override
    public void onQueryTerminated(QueryTerminatedEvent event) {
      write(event.id(), event.exception().isDefined() ? "failed" : "stopped", null, event.exception().isDefined() ? event.exception().get() : null,
          true);
    }

    /** Queries whose final state is written: a progress event delivered late must not say "running" again. */
    private final java.util.Set<UUID> ended = new java.util.HashSet<>();

    private synchronized void write(UUID id, String state, StreamingQueryProgress progress, String error, boolean last) {
      if (ended.contains(id)) {
        return;
      }
      if (last) {
        ended.add(id);
      }
      for (Running one : running) {
        if (!one.query().id().equals(id)) {
          continue;
        }
        StreamMetrics.Snapshot metrics = one.stream().metrics().snapshot();
        StreamMetrics.Snapshot online = one.onlineMetrics().snapshot();
        Map<String, Object> status = JsonObjects.of(
            "view", one.stream().view().name(),
            "state", state,
            "pid", ProcessHandle.current().pid(),
            "host", HOST,
            "source", settings.source(),
            "query_id", id.toString(),
            "updated_at", Instant.now().toString(),
            "last_batch", metrics.lastBatch(),
            "batches", metrics.batches(),
            "events", metrics.events(),
            "dead_letters", metrics.refused(),
            "online_writes", online.onlineWrites(),
            "last_batch_ms", metrics.lastBatchMillis(),
            "clock", metrics.clock(),
            "online_lane", one.lane() != null,
            "online_clock", online.clock(),
            "freshness_p50_ms", online.freshnessP50Millis(),
            "freshness_p99_ms", online.freshnessP99Millis());
        // The end of a query comes without figures (Spark's terminated event has none): its last batch's stand.
        StreamingQueryProgress figures = progress != null ? progress : one.query().lastProgress();
        if (figures != null) {
          status.put("input_rows_per_second", finite(figures.inputRowsPerSecond()));
          status.put("processed_rows_per_second", finite(figures.processedRowsPerSecond()));
          status.put("lag", lag(figures));
        }
        if (error != null) {
          status.put("error", error.lines().findFirst().orElse(""));
        }
        try {
          StreamStatus.write(one.checkpoint(), status, spark.sparkContext().hadoopConfiguration());
        } catch (IOException | RuntimeException e) {
          LOG.warn("Could not write the status of {}: {}", one.stream().view().name(), e.getMessage());
        }
        try {
          onStatus.accept(java.util.Collections.unmodifiableMap(status));
        } catch (RuntimeException e) {
          LOG.warn("Could not report the status of {}: {}", one.stream().view().name(), e.getMessage());
        }
      }
    }
  }

  private static String hostName() {
    try {
      return java.net.InetAddress.getLocalHost().getHostName();
    } catch (java.net.UnknownHostException e) {
      return "unknown";
    }
  }

  private static double finite(double value) {
    return Double.isFinite(value) ? value : 0;
  }

  /**
   * Events the query is behind the topic's end after its last batch (Kafka: the sum over partitions
   * of the latest offset less the processed one), or null where the source does not say.
   */
  static Long lag(StreamingQueryProgress progress) {
    Long total = null;
    for (SourceProgress source : progress.sources()) {
      try {
        var latest = OFFSETS.readTree(String.valueOf(source.latestOffset()));
        var processed = OFFSETS.readTree(String.valueOf(source.endOffset()));
        for (var topic : (Iterable<Map.Entry<String, com.fasterxml.jackson.databind.JsonNode>>) latest::fields) {
          for (var partition : (Iterable<Map.Entry<String, com.fasterxml.jackson.databind.JsonNode>>) topic.getValue()::fields) {
            if (!partition.getValue().canConvertToLong()) {
              return null;
            }
            long done = processed.path(topic.getKey()).path(partition.getKey()).asLong(0);
            total = (total == null ? 0 : total) + Math.max(0, partition.getValue().asLong() - done);
          }
        }
      } catch (com.fasterxml.jackson.core.JsonProcessingException | RuntimeException e) {
        return null;
      }
    }
    return total;
  }

  private static final com.fasterxml.jackson.databind.ObjectMapper OFFSETS = new com.fasterxml.jackson.databind.ObjectMapper();
}
