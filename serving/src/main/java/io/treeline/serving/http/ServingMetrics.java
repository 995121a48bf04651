package io.treeline.serving.http;

import io.treeline.featurestore.online.Freshness;
import io.treeline.registry.ModelVersion;
import io.treeline.serving.inference.InferenceLog;
import io.treeline.serving.inference.InferenceLogMetrics;
import io.treeline.serving.metrics.Counter;
import io.treeline.serving.metrics.Gauge;
import io.treeline.serving.metrics.Histogram;
import io.treeline.serving.metrics.MetricsRegistry;
import io.treeline.serving.model.ModelHost;
import io.treeline.serving.model.ServedModel;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The server's Prometheus metrics, all declared here (docs/serving.md lists them). */
public final class ServingMetrics implements ModelHost.Listener {
  /** The status label's text, made once: a string per request added up. */
  private static final String[] STATUS_TEXT = java.util.stream.IntStream.range(0, 600).mapToObj(Integer::toString).toArray(String[]::new);

  private final MetricsRegistry registry = new MetricsRegistry();
  private final Counter requests = registry.counter("treeline_requests_total",
      "HTTP requests answered, by route, model, version, status code and arm (the route's arm that answered).", "route", "model", "version", "status",
      "arm");
  private final Counter errors = registry.counter("treeline_request_errors_total",
      "Requests answered with an error, by route, model and error code.", "route", "model", "error_code");
  private final Histogram latency = registry.histogram("treeline_request_duration_seconds",
      "Server time per request, by route, model, version and arm.", "route", "model", "version", "arm");
  private final Counter predictions = registry.counter("treeline_predictions_total",
      "Records scored and answered, by model, version and arm.", "model", "version", "arm");
  private final Histogram storeLatency = registry.histogram("treeline_online_store_read_seconds",
      "Time of one batched online-store read (all of a request's views), by store.", "store");
  private final Gauge loadSeconds = registry.gauge("treeline_model_load_seconds",
      "Time to download, load, compile and warm the served version, by model, version and arm.", "model", "version", "arm");
  private final Gauge servedVersion = registry.gauge("treeline_model_version", "The version a model name serves, per arm (and shadow).", "model", "arm");
  private final Counter shadowPredictions = registry.counter("treeline_shadow_predictions_total",
      "Records a shadow was given, by model, shadow arm and outcome: scored, failed (the shadow threw), dropped (its queue was full).",
      "model", "arm", "outcome");
  private final Counter shadowDisagreements = registry.counter("treeline_shadow_disagreements_total",
      "Records whose shadow prediction (label or value) differs from the answered one, by model and shadow arm.", "model", "arm");
  private final Histogram shadowLatency = registry.histogram("treeline_shadow_duration_seconds",
      "Time to score one request's records with a shadow, off the request path, by model and shadow arm.", "model", "arm");
  private final Counter loads = registry.counter("treeline_model_loads_total", "Model versions loaded, by model.", "model");
  private final Counter loadFailures = registry.counter("treeline_model_load_failures_total",
      "Model versions that failed to load (the previous version kept serving), by model.", "model");
  private final Map<String, Freshness> freshness = new ConcurrentHashMap<>();
  private final Gauge viewTtl = registry.gauge("treeline_feature_view_ttl_seconds",
      "The ttl of each feature view a served model reads: older online values are not to be used.", "view");

  private final Counter accessLogDropped = registry.counter("treeline_access_log_dropped_total",
      "Access log events not written because the access log's queue was full (dropped rather than slow a request).");
  private final Counter inferenceLogRows = registry.counter("treeline_inference_log_rows_total",
      "Records committed to the inference log table.");
  private final Counter inferenceLogDropped = registry.counter("treeline_inference_log_dropped_total",
      "Records the inference log did not write, by reason: queue_full (dropped rather than slow a request), write_failed"
          + " (the table could not be appended to, after retries) or spool_full (the spool on local disk was full).", "reason");
  private final Histogram inferenceLogCommit = registry.histogram("treeline_inference_log_commit_seconds",
      "Time to commit one batch to the inference log table: finishing its Parquet files (written as the records came) and the Delta commit.",
      new double[] {0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30});

  public ServingMetrics() {
    // At 0 from the start, so an alert on increase() sees the first drop.
    inferenceLogDropped.labels(InferenceLogMetrics.QUEUE_FULL);
    inferenceLogDropped.labels(InferenceLogMetrics.WRITE_FAILED);
    accessLogDropped.labels();
    registry.computedGauge("treeline_feature_staleness_seconds",
        "Age of the newest information in the online store, per feature view: now minus when the newest source row"
            + " behind its values became known (the age the view's ttl bounds; the newest feature time where a writer gave none).",
        List.of("view"), () -> {
          Map<List<String>, Double> ages = new java.util.LinkedHashMap<>();
          LocalDateTime now = LocalDateTime.now(java.time.ZoneOffset.UTC);
          freshness.forEach((view, f) -> {
            LocalDateTime newest = f.newestSourceTime() != null ? f.newestSourceTime() : f.newestFeatureTime();
            if (newest != null) {
              ages.put(List.of(view), Duration.between(newest, now).toMillis() / 1000.0);
            }
          });
          return ages;
        });
    // Wall-clock time of the write, not the features' event time: replayed or historical data are old by event
    // time however current the job that wrote them; this is what says a job or stream stopped feeding the view.
    registry.computedGauge("treeline_online_view_last_write_timestamp_seconds",
        "When the online store's values of a feature view were last written, in Unix seconds, per view.", List.of("view"), () -> {
          Map<List<String>, Double> times = new java.util.LinkedHashMap<>();
          freshness.forEach((view, f) -> {
            if (f.lastWrite() != null) {
              times.put(List.of(view), f.lastWrite().toEpochMilli() / 1000.0);
            }
          });
          return times;
        });
    registry.computedGauge("treeline_feature_entities", "Entities held in the online store, per feature view.", List.of("view"), () -> {
      Map<List<String>, Double> counts = new java.util.LinkedHashMap<>();
      freshness.forEach((view, f) -> counts.put(List.of(view), (double) f.entities()));
      return counts;
    });
  }

  public void request(String route, String model, String version, String arm, int status, long nanos) {
    requests.labels(route, model, version, status >= 0 && status < STATUS_TEXT.length ? STATUS_TEXT[status] : Integer.toString(status), arm).inc();
    latency.labels(route, model, version, arm).observeNanos(nanos);
  }

  public void error(String route, String model, String errorCode) {
    errors.labels(route, model, errorCode).inc();
  }

  public void scored(ServedModel model, int records, String store, long storeNanos) {
    predictions.labels(model.name(), Long.toString(model.version()), model.arm()).inc(records);
    if (storeNanos > 0) {
      storeLatency.labels(store).observeNanos(storeNanos);
    }
  }

  public void freshness(Freshness view) {
    freshness.put(view.view(), view);
  }

  /** The ttl of a view a model reads; a view without a ttl has no series. */
  public void ttl(String view, Duration ttl) {
    viewTtl.labels(view).set(ttl.toMillis() / 1000.0);
  }

  @Override
  public void loaded(ServedModel model) {
    loadSeconds.labels(model.name(), Long.toString(model.version()), model.arm()).set(model.loadSeconds());
    servedVersion.labels(model.name(), model.arm()).set(model.version());
    loads.labels(model.name()).inc();
    // At 0 from the first load: increase() sees the first failure only if the series existed before it.
    loadFailures.labels(model.name());
  }

  @Override
  public void loadFailed(String name, ModelVersion version, Exception error) {
    loadFailures.labels(name).inc();
  }

  /** One request's records given to a shadow: scored, failed or dropped. */
  void shadow(ServedModel shadow, String outcome, int records, long nanos) {
    shadowPredictions.labels(shadow.name(), shadow.arm(), outcome).inc(records);
    if (nanos > 0) {
      shadowLatency.labels(shadow.name(), shadow.arm()).observeNanos(nanos);
    }
  }

  void shadowDisagreements(ServedModel shadow, int records) {
    shadowDisagreements.labels(shadow.name(), shadow.arm()).inc(records);
  }

  /** Exports the requests waiting for their shadows. */
  void shadowQueue(java.util.function.IntSupplier depth) {
    registry.computedGauge("treeline_shadow_queue_depth", "Answered requests waiting for their shadows to be scored.", depth::getAsInt);
  }

  /** Where the inference log reports its commits and drops. */
  void accessLogDropped() {
    accessLogDropped.inc();
  }

  public InferenceLogMetrics inferenceLog() {
    return new InferenceLogMetrics() {
      @Override
      public void committed(int rows, long nanos) {
        inferenceLogRows.inc(rows);
        inferenceLogCommit.observeNanos(nanos);
      }

      @Override
      public void dropped(String reason, int rows) {
        inferenceLogDropped.labels(reason).inc(rows);
      }
    };
  }

  /** Exports the records waiting in {@code log}'s queue; a server without the log exports none of its series. */
  public void inferenceLogQueue(InferenceLog log) {
    if (log.enabled()) {
      registry.computedGauge("treeline_inference_log_queue_depth", "Records waiting for the inference log's writer.", log::queueDepth);
      if (log.spooled()) {
        inferenceLogDropped.labels(InferenceLogMetrics.SPOOL_FULL);
        registry.computedGauge("treeline_inference_log_spool_bytes", "Bytes of records in the inference log's spool, not yet committed to the table.",
            log::spoolBytes);
        registry.computedGauge("treeline_inference_log_spool_age_seconds", "Age of the oldest spool file waiting for its commit (0 when none waits).",
            log::spoolAgeSeconds);
      }
    }
  }

  public String scrape() {
    return registry.scrape();
  }
}
