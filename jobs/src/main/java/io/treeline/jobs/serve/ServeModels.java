package io.treeline.jobs.serve;

import io.treeline.core.config.ConfigKeys;
import io.treeline.core.error.Errors;
import io.treeline.featurestore.online.OnlineReader;
import io.treeline.featurestore.online.OnlineStores;
import io.treeline.featurestore.spec.FeatureView;
import io.treeline.jobs.features.FeatureViews;
import io.treeline.jobs.runtime.Job;
import io.treeline.jobs.runtime.JobContext;
import io.treeline.jobs.runtime.JobResult;
import io.treeline.jobs.runtime.StopSignals;
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
 * inference log writes what it holds) and exits 0: a stop asked for is a success. The server runs without Spark: models load from their compiled pipelines, the embedded online
 * store, to read the lake's online tables; never per request.
 */
public final class ServeModels implements Job<ServeModels.Result> {
  private static final Logger LOG = LoggerFactory.getLogger(ServeModels.class);

  private final Serving serving;
  private final Integer port;

  /**
   * What {@code serve} is asked to serve.
   *
   * @param models {@code [NAME=]REF} each
   * @param routes {@code NAME=ARM:WEIGHT,…} each, beside serving.routes
   * @param shadows {@code NAME=ARM} each, beside serving.shadows
   * @param routeKey header:NAME or field:NAME in place of serving.route-key; null keeps the setting
   */
  public record Serving(List<String> models, List<String> routes, List<String> shadows, String routeKey) {
    public Serving {
      models = List.copyOf(models);
      routes = List.copyOf(routes);
      shadows = List.copyOf(shadows);
    }

    public static Serving of(List<String> models) {
      return new Serving(models, List.of(), List.of(), null);
    }

    /** With the settings' routes and shadows (serving.routes, serving.shadows: ';'-separated) after the command line's. */
    Serving withSettings(io.treeline.core.config.TreelineConfig config) {
      return new Serving(models, concat(routes, split(config.get(ConfigKeys.SERVING_ROUTES))), concat(shadows, split(config.get(ConfigKeys.SERVING_SHADOWS))),
          routeKey);
    }

    private static List<String> split(String list) {
      return java.util.Arrays.stream(list.split(";")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    private static List<String> concat(List<String> a, List<String> b) {
      List<String> all = new java.util.ArrayList<>(a);
      all.addAll(b);
      return all;
    }

    List<String> described() {
      List<String> all = new java.util.ArrayList<>(models);
      all.addAll(routes);
      shadows.forEach(s -> all.add("shadow " + s));
      return all;
    }
  }

  public ServeModels(List<String> models, Integer port) {
    this(Serving.of(models), port);
  }

  public ServeModels(Serving serving, Integer port) {
    this.serving = serving;
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
    return start(context, Serving.of(models), port);
  }

  /** Starts serving the models, routes and shadows asked for (and those of the settings); the caller closes the app. */
  public static ServingApp start(JobContext context, Serving asked, Integer port) {
    Serving serving = asked.withSettings(context.config());
    if (serving.models().isEmpty() && serving.routes().isEmpty()) {
      throw Errors.invalidInput("serve", "models", "no --model or --route given (and serving.routes is empty)",
          "Name one, e.g. --model flight-delay@champion, or split traffic with --route flight-delay=champion:90,challenger:10.");
    }
    List<ModelHost.Served> served = ModelHost.Served.of(serving.models(), serving.routes(), serving.shadows());
    List<String> models = serving.described();
    // --port joins the settings, so that what is derived from the port (the inference log's spool directory) follows it.
    ServerOptions options = ServingConfig.options(port == null ? context.config()
        : context.config().with(java.util.Map.of(ConfigKeys.SERVING_PORT.key(), Integer.toString(port))));
    if (serving.routeKey() != null) {
      ServerOptions.Routing routing = options.routing();
      options = options.withRouting(new ServerOptions.Routing(io.treeline.serving.http.RouteKey.parse(serving.routeKey()), routing.shadowThreads(),
          routing.shadowQueue()));
    }
    context.progress().status("loading " + String.join(", ", models));
    OnlineReader store = OnlineStores.openForServing(context.config(), context.hadoopConf());
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
    ServingApp app = start(context, serving, port);
    List<String> models = serving.withSettings(context.config()).described();
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
    for (ModelHost.Served served : app.host().served()) {
      for (java.util.Map<String, Object> arm : app.host().route(served.name()).describe()) {
        boolean shadow = arm.get("role").equals("shadow");
        String share = shadow ? "shadow" : served.arms().size() > 1 ? "arm " + arm.get("arm") + ", weight " + arm.get("weight") : null;
        context.out().printf("Serving %s: %s version %s (%sloaded in %s s)%n", served.name(), arm.get("registered_model"), arm.get("version"),
            share == null ? "" : share + (shadow ? " " + arm.get("arm") : "") + ", ", arm.get("load_seconds"));
      }
    }
    if (app.host().served().stream().anyMatch(s -> s.arms().size() > 1)) {
      context.out().println("Arms are picked by " + app.server().routeKey() + "; each answer names its arm (X-Treeline-Arm).");
    }
    InferenceLog log = app.server().inferenceLog();
    if (log.enabled()) {
      context.out().println("Recording predictions in " + context.config().get(ConfigKeys.SERVING_INFERENCE_LOG_TABLE) + " (" + log.destination()
          + ")" + log.spoolDirectory().map(dir -> ", spooled in " + dir + " while busy").orElse("") + "; a stop writes what is queued.");
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
