package io.treeline.jobs.monitoring;

import java.io.IOException;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pushes each view stream's status (written after every batch) to the Pushgateway, grouped by job,
 * command "stream", view and instance: a stream that stops making progress, fails or lags shows in
 * Prometheus even when its process is gone. Pushes run on a thread of their own so that a slow
 * gateway never holds up Spark's listener; a failing gateway is logged once until it answers again.
 */
public final class StreamMetricsPush implements Consumer<Map<String, Object>>, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(StreamMetricsPush.class);

  private final Pushgateway gateway;
  private final ExecutorService pusher = Executors.newSingleThreadExecutor(r -> {
    Thread thread = new Thread(r, "treeline-stream-push");
    thread.setDaemon(true);
    return thread;
  });
  private volatile boolean failing;

  public StreamMetricsPush(Pushgateway gateway) {
    this.gateway = gateway;
  }

  @Override
  public void accept(Map<String, Object> status) {
    MetricsText metrics = metrics(status);
    Map<String, String> group = gateway.group("command", "stream", "view", String.valueOf(status.get("view")));
    pusher.execute(() -> {
      try {
        gateway.replace(group, metrics);
        if (failing) {
          LOG.info("Pushing stream figures to {} works again", gateway.settings().url());
          failing = false;
        }
      } catch (IOException | RuntimeException e) {
        if (!failing) {
          LOG.warn("Cannot push the figures of stream {} to the Pushgateway at {}: {} (the stream goes on; check monitoring.pushgateway.url)",
              group.get("view"), gateway.settings().url(), e.getMessage());
          failing = true;
        }
      }
    });
  }

  static MetricsText metrics(Map<String, Object> status) {
    String state = String.valueOf(status.get("state"));
    MetricsText metrics = new MetricsText()
        .gauge("treeline_stream_running", "1 while the view's stream runs, 0 once it stopped or failed.", "running".equals(state) ? 1 : 0)
        .gauge("treeline_stream_failed", "1 if the view's stream ended with an error.", "failed".equals(state) ? 1 : 0)
        .gauge("treeline_stream_last_batch_timestamp_seconds", "When the stream last reported a micro-batch (or its end), in Unix seconds.",
            Instant.parse(String.valueOf(status.get("updated_at"))).toEpochMilli() / 1000.0)
        .gauge("treeline_stream_last_batch_id", "The id of the last micro-batch the stream completed.", number(status, "last_batch"))
        .gauge("treeline_stream_last_batch_duration_seconds", "How long the last micro-batch took.", number(status, "last_batch_ms") / 1000)
        .counter("treeline_stream_batches_total", "Micro-batches completed by this stream process.", number(status, "batches"))
        .counter("treeline_stream_events_total", "Events accepted by this stream process.", number(status, "events"))
        .counter("treeline_stream_dead_letters_total", "Events sent to stream.dead_letters (malformed or late) by this stream process.",
            number(status, "dead_letters"))
        .counter("treeline_stream_online_writes_total", "Entity values written to the online store by this stream process.",
            number(status, "online_writes"));
    // -1 before any event: no freshness yet, which is no sample rather than a negative age.
    if (number(status, "freshness_p99_ms") >= 0) {
      metrics.gauge("treeline_stream_freshness_seconds", "Time from an event's production to its online write, by quantile.",
          number(status, "freshness_p50_ms") / 1000, "quantile", "0.5");
      metrics.gauge("treeline_stream_freshness_seconds", "Time from an event's production to its online write, by quantile.",
          number(status, "freshness_p99_ms") / 1000, "quantile", "0.99");
    }
    if (status.get("input_rows_per_second") instanceof Number rate) {
      metrics.gauge("treeline_stream_input_rows_per_second", "Rows per second arriving at the stream's last micro-batch.", rate.doubleValue());
    }
    if (status.get("processed_rows_per_second") instanceof Number rate) {
      metrics.gauge("treeline_stream_processed_rows_per_second", "Rows per second the stream's last micro-batch processed.", rate.doubleValue());
    }
    // Only Kafka says how far behind the stream is; the file source has no lag to report.
    if (status.get("lag") instanceof Number lag) {
      metrics.gauge("treeline_stream_lag_events", "Kafka offsets the stream is behind the topic's end, summed over partitions.", lag.doubleValue());
    }
    return metrics;
  }

  private static double number(Map<String, Object> status, String key) {
    return status.get(key) instanceof Number n ? n.doubleValue() : 0;
  }

  /** Sends what is queued (the final state last), waiting at most the push timeout for each. */
  @Override
  public void close() {
    pusher.shutdown();
    try {
      if (!pusher.awaitTermination(gateway.settings().timeout().toSeconds() * 2 + 1, TimeUnit.SECONDS)) {
        pusher.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
