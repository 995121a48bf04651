package io.treeline.jobs.serve;

import io.treeline.core.config.ConfigKeys;
import io.treeline.core.error.Errors;
import io.treeline.featurestore.online.OnlineStore;
import io.treeline.featurestore.online.OnlineStores;
import io.treeline.featurestore.spec.FeatureView;
import io.treeline.jobs.features.FeatureViews;
import io.treeline.jobs.runtime.Job;
import io.treeline.jobs.runtime.JobContext;
import io.treeline.jobs.runtime.JobResult;
import io.treeline.jobs.runtime.TreelineVersion;
import io.treeline.serving.ServingApp;
import io.treeline.serving.http.ServerOptions;
import io.treeline.serving.inference.InferenceLog;
import io.treeline.serving.http.ServingConfig;
import io.treeline.serving.model.ModelHost;
import io.treeline.serving.model.ServedModel;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves registered models over HTTP until the process is stopped (SIGTERM or Ctrl-C), then stops
 * gracefully (docs/serving.md: /ready turns 503, the drain period, in-flight requests finish, the
 * inference log writes what it holds) and exits 0: a stop asked for is a success. Spark is used to load the models and, with the embedded online
 * store, to read the lake's online tables; never per request.
 */
public final class ServeModels implements Job<ServeModels.Result> {
  private static final Logger LOG = LoggerFactory.getLogger(ServeModels.class);

  private final List<String> models;
  private final Integer port;

  public ServeModels(List<String> models, Integer port) {
    this.models = List.copyOf(models);
    this.port = port;
  }

  /**
   * @param inferenceLogRows predictions committed to the inference log by this server (all of them, as the
   *     stop writes what was queued), or -1 with the log off
   */
  public record Result(List<String> served, String url, long inferenceLogRows, String inferenceLogTable) implements JobResult {
    @Override
    public String summaryLine() {
      return "Stopped serving " + String.join(", ", served) + "."
          + (inferenceLogRows < 0 ? "" : " Logged " + inferenceLogRows + " predictions to " + inferenceLogTable + ".");
    }

    @Override
    public Map<String, Object> summary() {
      Map<String, Object> summary = new LinkedHashMap<>();
      summary.put("served", served);
      summary.put("url", url);
      if (inferenceLogRows >= 0) {
        summary.put("inference_log", Map.of("table", inferenceLogTable, "rows_written", inferenceLogRows));
      }
      return summary;
    }
  }

  /** Starts serving {@code models} as configured; the caller closes the app. */
  public static ServingApp start(JobContext context, List<String> models, Integer port) {
    if (models.isEmpty()) {
      throw Errors.invalidInput("serve", "models", "no --model given", "Name one, e.g. --model flight-delay@champion.");
    }
    List<ModelHost.Served> served = models.stream().map(ModelHost.Served::parse).toList();
    ServerOptions options = ServingConfig.options(context.config());
    if (port != null) {
      options = options.withPort(port);
    }
    context.progress().status("loading " + String.join(", ", models));
    OnlineStore store = OnlineStores.openForServing(context.config(), context.spark());
    try {
      return ServingApp.start(served, options, context.registry(), store, context.config().onlineStoreType(), TreelineVersion.treeline(),
          viewTtls(context));
    } catch (RuntimeException e) { // the app has closed the store
      throw Errors.invalidInput("serve", String.join(", ", models), e.getMessage(),
          "Check the model with treeline models describe, and that its pipeline's request features and views are ones serving supports (docs/serving.md).", e);
    }
  }

  /**
   * The ttls of the feature views in features.dir, for the freshness alert. Serving itself needs no
   * view specs (a model's package names its views), so a missing or broken directory only loses that metric.
   */
  private static Map<String, Duration> viewTtls(JobContext context) {
    Map<String, Duration> ttls = new LinkedHashMap<>();
    try {
      for (FeatureView view : FeatureViews.load(context.config()).views()) {
        view.ttl().ifPresent(ttl -> ttls.put(view.name(), ttl.duration()));
      }
    } catch (RuntimeException e) {
      LOG.warn("Cannot read the feature views' ttls (features.dir), so /metrics has no treeline_feature_view_ttl_seconds: {}", e.getMessage());
    }
    return ttls;
  }

  @Override
  public Result run(JobContext context) {
    ServingApp app = start(context, models, port);
    CountDownLatch stopRequested = new CountDownLatch(1);
    StopSignals.onStop(stopRequested::countDown);
    // Should the JVM be stopped some other way (System.exit, a signal not handled above), the requests in flight still finish.
    AtomicBoolean closed = new AtomicBoolean();
    Runnable closeOnce = () -> {
      if (closed.compareAndSet(false, true)) {
        app.close();
      }
    };
    Thread hook = new Thread(closeOnce, "treeline-serve-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    for (ServedModel model : app.host().all()) {
      context.out().printf("Serving %s: %s version %d (loaded in %.1f s)%n", model.name(), model.registeredModel(), model.version(), model.loadSeconds());
    }
    InferenceLog log = app.server().inferenceLog();
    if (log.enabled()) {
      context.out().println("Recording predictions in " + context.config().get(ConfigKeys.SERVING_INFERENCE_LOG_TABLE) + " (" + log.destination()
          + "); a stop writes what is queued.");
    }
    String name = app.host().all().get(0).name();
    context.out().println("Listening on " + app.baseUrl() + " (Ctrl-C stops; requests in flight finish first). Try:");
    context.out().println("  curl -s -d '{\"records\":[{...}]}' " + app.baseUrl() + "/v1/models/" + name + "/predict");
    context.out().println("  curl -s " + app.baseUrl() + "/v2/models/" + name + "    # the fields a record takes");
    context.out().println("  curl -s " + app.baseUrl() + "/openapi.json");
    context.progress().status("serving");
    try {
      stopRequested.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    closeOnce.run();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // the JVM is already shutting down
    }
    return new Result(models, app.baseUrl(), log.enabled() ? log.committedRows() : -1, context.config().get(ConfigKeys.SERVING_INFERENCE_LOG_TABLE));
  }
}
