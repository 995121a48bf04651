package io.treeline.serving.http;

import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.http.HttpResponseException;
import io.treeline.featurestore.online.OnlineReader;
import io.treeline.serving.api.ApiException;
import io.treeline.serving.api.Quoted;
import io.treeline.serving.inference.InferenceLog;
import io.treeline.serving.metrics.MetricsRegistry;
import io.treeline.serving.model.ModelHost;
import io.treeline.serving.model.Route;
import io.treeline.serving.model.ServedModel;
import io.treeline.serving.predict.Scorer;
import io.treeline.serving.tracing.RequestTrace;
import io.treeline.serving.tracing.ServingTracer;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The prediction server, configured in this one place: every route, the guard on the prediction
 * routes, the error mapping (every refusal is JSON {@code {"error_code", "message"}}, never a stack
 * trace), metrics, the access log and a span around every request, the inference log, TLS, and a
 * shutdown that lets requests in flight finish and then writes what the inference log holds.
 */
public final class PredictionServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PredictionServer.class);
  private static final String STARTED = "treeline.started";
  private static final String ROUTE = "treeline.route";
  private static final String ERROR = "treeline.error";
  private static final String REQUEST_ID = "treeline.request_id";
  private static final java.time.Duration MIN_LOG_FLUSH = java.time.Duration.ofSeconds(5);

  private final ModelHost host;
  private final ServerOptions options;
  private final ServingMetrics metrics;
  /** Null when serving.access-log is off. */
  private final AccessLog accessLog;
  private final String version;
  private final ServingTracer tracer;
  private final AtomicInteger inFlight = new AtomicInteger();
  /** Set on stop: /ready answers 503; everything else is still answered, on kept-alive connections too. */
  private volatile boolean draining;
  /** Set once the drain period is over and the listener closed: each answer closes its connection, and a late prediction gets 503. */
  private volatile boolean closing;
  private final OpenConnections connections = new OpenConnections();
  private volatile Runnable requestHook = () -> {};
  private final InferenceLog inferenceLog;
  private final Scoring scoring;
  private final Shadows shadows;
  private Javalin app;

  public PredictionServer(ModelHost host, OnlineReader store, String storeKind, ServerOptions options, ServingMetrics metrics, String version) {
    this.host = host;
    this.options = options;
    this.metrics = metrics;
    this.version = version;
    this.tracer = ServingTracer.start(options.tracing(), version);
    this.accessLog = options.accessLog() ? AccessLog.start(metrics::accessLogDropped) : null;
    this.inferenceLog = InferenceLog.start(options.inferenceLog(), metrics.inferenceLog());
    metrics.inferenceLogQueue(inferenceLog);
    Scorer scorer = new Scorer(store, storeKind);
    this.shadows = new Shadows(scorer, inferenceLog, metrics, options.routing().shadowThreads(), options.routing().shadowQueue());
    this.scoring = new Scoring(scorer, metrics, storeKind, inferenceLog, options.routing().key(), shadows);
    NativeApi v1 = new NativeApi(host, scoring, options);
    MlflowScoringApi mlflow = new MlflowScoringApi(host, scoring, options);
    OpenInferenceApi v2 = new OpenInferenceApi(host, scoring, options);
    Guard guard = new Guard(options.authenticator(), options.rateLimiter());
    this.app = Javalin.create(cfg -> {
      jetty(cfg);
      cfg.http.maxRequestSize = options.maxBodyBytes();
      cfg.startup.showJavalinBanner = false;
      cfg.routes.before(this::begin);
      for (String path : new String[] {"/v1/*", "/invocations", "/v2/models/*"}) {
        cfg.routes.before(path, guard::check);
      }
      cfg.routes.post("/v1/models/{name}/predict", prediction("v1_predict", v1::predict));
      cfg.routes.post("/invocations", prediction("invocations", mlflow::invocations));
      cfg.routes.post("/v2/models/{name}/infer", prediction("v2_infer", v2::infer));
      cfg.routes.post("/v2/models/{name}/versions/{version}/infer", prediction("v2_infer", v2::infer));
      cfg.routes.get("/v2/models/{name}", route("v2_model", v2::modelMetadata));
      cfg.routes.get("/v2/models/{name}/versions/{version}", route("v2_model", v2::modelMetadata));
      cfg.routes.get("/v2/models/{name}/ready", route("v2_model_ready", v2::modelReady));
      cfg.routes.get("/v2/models/{name}/versions/{version}/ready", route("v2_model_ready", v2::modelReady));
      cfg.routes.get("/v2/health/live", route("v2_live", ctx -> Bodies.write(ctx, 200, Map.of("live", true))));
      cfg.routes.get("/v2/health/ready", route("v2_ready", ctx -> Bodies.write(ctx, ready() ? 200 : 503, Map.of("ready", ready()))));
      cfg.routes.get("/v2", route("v2_server", ctx -> Bodies.write(ctx, 200, Map.of("name", "treeline", "version", version, "extensions", java.util.List.of(BinaryTensors.EXTENSION)))));
      cfg.routes.get("/ping", route("ping", this::ping));
      cfg.routes.get("/health", route("health", this::ping));
      cfg.routes.get("/version", route("version", ctx -> ctx.contentType("text/plain").result(version)));
      cfg.routes.get("/ready", route("ready", this::readiness));
      cfg.routes.get("/metrics", route("metrics", ctx -> ctx.contentType(MetricsRegistry.CONTENT_TYPE).result(metrics.scrape())));
      cfg.routes.get("/openapi.json", route("openapi", ctx -> ctx.contentType("application/json").result(openApi())));
      cfg.routes.exception(ApiException.class, (e, ctx) -> refuse(ctx, e));
      cfg.routes.exception(HttpResponseException.class, (e, ctx) -> refuse(ctx, translate(e, ctx)));
      cfg.routes.exception(Exception.class, (e, ctx) -> {
        LOG.error("Request {} {} failed (request id {})", ctx.method(), ctx.path(), ctx.attribute(REQUEST_ID), e);
        Scoring.trace(ctx).span().recordException(e);
        ctx.attribute(ERROR, "INTERNAL_ERROR");
        Bodies.write(ctx, 500, Map.of("error_code", "INTERNAL_ERROR", "message", "the server failed to answer; its log has the details"));
      });
      cfg.routes.error(404, ctx -> {
        if (ctx.attribute(ERROR) == null) {
          refuse(ctx, ApiException.notFound("no route " + ctx.method() + " " + Quoted.cut(ctx.path()) + "; GET /openapi.json lists them"));
        }
      });
      cfg.routes.error(405, ctx -> {
        if (ctx.attribute(ERROR) == null) {
          refuse(ctx, ApiException.methodNotAllowed(ctx.method() + " is not allowed on " + Quoted.cut(ctx.path()) + "; GET /openapi.json lists the routes"));
        }
      });
      cfg.routes.after(this::record);
    });
  }

  private void jetty(JavalinConfig cfg) {
    cfg.jetty.host = options.host();
    cfg.jetty.port = options.port();
    cfg.http.prefer405over404 = true;
    HttpRefusals refusals = new HttpRefusals(options.maxRequestHeaderBytes());
    cfg.jetty.modifyServer(server -> {
      server.setErrorHandler(refusals);
      connections.of(server);
    });
    cfg.jetty.modifyServletContextHandler(context -> context.setErrorHandler(refusals));
    cfg.jetty.modifyHttpConfiguration(http -> {
      http.setRequestHeaderSize(options.maxRequestHeaderBytes());
      http.setSendServerVersion(false);
    });
    if (options.tlsKeyStore() != null) {
      cfg.jetty.addConnector((server, http) -> {
        SslContextFactory.Server tls = new SslContextFactory.Server();
        tls.setKeyStorePath(options.tlsKeyStore().toString());
        tls.setKeyStorePassword(options.tlsKeyStorePassword());
        tls.setKeyStoreType("PKCS12");
        HttpConfiguration https = new HttpConfiguration(http);
        https.setRequestHeaderSize(options.maxRequestHeaderBytes());
        https.addCustomizer(new SecureRequestCustomizer(false));
        ServerConnector connector = new ServerConnector(server, new SslConnectionFactory(tls, "http/1.1"), new HttpConnectionFactory(https));
        connector.setHost(options.host());
        connector.setPort(options.port());
        return connector;
      });
    }
  }

  /** Starts listening; the models must be loaded (the host started) first, so /ready is true from the first request. */
  public PredictionServer start() {
    app.start();
    return this;
  }

  public int port() {
    return app.port();
  }

  public boolean ready() {
    return !draining && host.ready();
  }

  /** For tests of the shutdown: runs inside every prediction request, after scoring. */
  void requestHook(Runnable hook) {
    this.requestHook = hook;
  }

  /** How requests pick an arm of a route: header:NAME, field:NAME or random. */
  public String routeKey() {
    return options.routing().key().toString();
  }

  /** For tests of shadows: runs before every shadow is scored, on the shadow's thread. */
  void shadowHook(Runnable hook) {
    shadows.hook(hook);
  }

  private void begin(Context ctx) {
    ctx.attribute(STARTED, System.nanoTime());
    if (closing) {
      // A kept-alive connection is closed by the server right after a whole answer, never while a request may be on its way.
      ctx.header("Connection", "close");
    }
    String requestId = RequestIds.of(ctx.header(RequestIds.HEADER));
    ctx.attribute(REQUEST_ID, requestId);
    ctx.header(RequestIds.HEADER, requestId);
    if (tracer.enabled()) {
      ctx.attribute(Scoring.TRACE, tracer.request(ctx.method().name(), ctx.path(), ctx::header));
    }
  }

  private Handler route(String name, Handler handler) {
    return ctx -> {
      ctx.attribute(ROUTE, name);
      Scoring.trace(ctx).route(ctx.method().name(), ctx.endpoint().path);
      handler.handle(ctx);
    };
  }

  private Handler prediction(String name, Handler handler) {
    return route(name, ctx -> {
      inFlight.incrementAndGet(); // counted before the check, so close() cannot miss a request that passed it
      try {
        if (closing) {
          throw ApiException.unavailable("the server is shutting down: retry on another instance");
        }
        handler.handle(ctx);
        requestHook.run();
      } finally {
        inFlight.decrementAndGet();
      }
    });
  }

  private void ping(Context ctx) {
    ctx.status(ready() ? 200 : 503).contentType("text/plain").result("\n");
  }

  private void readiness(Context ctx) {
    Map<String, Object> models = new java.util.LinkedHashMap<>();
    for (ModelHost.Served served : host.served()) {
      Route route = host.route(served.name());
      Map<String, Object> entry = new java.util.LinkedHashMap<>();
      if (host.ready()) {
        ServedModel first = route.first();
        entry.put("registered_model", first.registeredModel());
        entry.put("version", first.version());
        entry.put("loaded_at", first.loadedAt().toString());
      }
      entry.put("arms", route.describe());
      models.put(served.name(), entry);
    }
    Bodies.write(ctx, ready() ? 200 : 503, Map.of("ready", ready(), "models", models));
  }

  private void refuse(Context ctx, ApiException e) {
    ctx.attribute(ERROR, e.errorCode());
    if (e.status() == 401) {
      ctx.header("WWW-Authenticate", "Bearer");
    }
    Map<String, String> body = new java.util.LinkedHashMap<>();
    body.put("error_code", e.errorCode());
    body.put("message", e.getMessage());
    if (ctx.path().startsWith("/v2/") || ctx.path().equals("/v2")) {
      body.put("error", e.getMessage()); // the Open Inference Protocol's error object, which its clients decode
    }
    Bodies.write(ctx, e.status(), body);
  }

  /** Javalin's own refusals (no such route, wrong method, body too large) in our words. */
  private static ApiException translate(HttpResponseException e, Context ctx) {
    return switch (e.getStatus()) {
      case 413 -> ApiException.tooLarge("the body is over the server's limit: send fewer records per request");
      case 404 -> ApiException.notFound("no route " + ctx.method() + " " + Quoted.cut(ctx.path()) + "; GET /openapi.json lists them");
      case 405 -> ApiException.methodNotAllowed(ctx.method() + " is not allowed on " + Quoted.cut(ctx.path()) + "; GET /openapi.json lists the routes");
      default -> e.getStatus() >= 500 ? ApiException.unavailable("the server cannot answer right now: retry shortly")
          : ApiException.malformed(Quoted.cut(e.getMessage(), 160));
    };
  }

  private void record(Context ctx) {
    Long started = ctx.attribute(STARTED);
    String route = ctx.attribute(ROUTE);
    String model = ctx.attribute(Scoring.MODEL);
    String modelVersion = ctx.attribute(Scoring.VERSION);
    String arm = ctx.attribute(Scoring.ARM);
    route = route == null ? "unmatched" : route;
    model = model == null ? "" : model;
    int status = ctx.statusCode();
    scoring.answered(ctx, ctx.attribute(REQUEST_ID), status, started == null ? 0 : System.nanoTime() - started);
    metrics.request(route, model, modelVersion == null ? "" : modelVersion, arm == null ? "" : arm, status,
        started == null ? 0 : System.nanoTime() - started);
    String error = ctx.attribute(ERROR);
    if (error != null) {
      metrics.error(route, model, error);
    }
    RequestTrace trace = Scoring.trace(ctx);
    trace.end(status, error);
    if (accessLog != null && AccessLog.enabled()) {
      long nanos = started == null ? 0 : System.nanoTime() - started;
      accessLog.log(new AccessEvent(ctx.attribute(REQUEST_ID), ctx.method().name(), ctx.path(), route, model,
          modelVersion == null ? "" : modelVersion, status, Math.round(nanos / 1e4) / 100.0, error, trace.traceId()));
    }
  }

  private static byte[] openApi() throws IOException {
    try (InputStream in = PredictionServer.class.getResourceAsStream("/io/treeline/serving/openapi.json")) {
      return in.readAllBytes();
    }
  }

  /**
   * Stops gracefully: /ready turns 503 at once while everything else is still answered for the drain
   * period (so load balancers and Kubernetes endpoints take the instance out first); then no new
   * connection is accepted, each answer closes its connection, the requests in flight finish within
   * the grace period, and the server stops.
   */
  @Override
  public void close() {
    draining = true;
    LOG.info("Stopping: /ready answers 503; still answering for {} s, then finishing the requests in flight (up to {} s)",
        options.shutdownDrain().toSeconds(), options.shutdownGrace().toSeconds());
    pause(options.shutdownDrain());
    // Clients on kept-alive connections never meet the closed listener until their connection is closed after an answer.
    connections.stopAccepting();
    closing = true;
    long deadline = System.nanoTime() + options.shutdownGrace().toNanos();
    while ((inFlight.get() > 0 || connections.inUse() > 0) && System.nanoTime() < deadline) {
      try {
        TimeUnit.MILLISECONDS.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    if (inFlight.get() > 0) {
      LOG.warn("Stopping with {} requests still in flight after {} s", inFlight.get(), options.shutdownGrace().toSeconds());
    }
    app.stop();
    tracer.close();
    if (accessLog != null) {
      accessLog.close();
    }
    shadows.close(options.shutdownGrace().compareTo(MIN_LOG_FLUSH) < 0 ? MIN_LOG_FLUSH : options.shutdownGrace());
    // After the last answer, so every answered request is in the log; bounded like the requests' own grace, but
    // never so short that a grace of 0 would throw away what is queued.
    inferenceLog.close(options.shutdownGrace().compareTo(MIN_LOG_FLUSH) < 0 ? MIN_LOG_FLUSH : options.shutdownGrace());
  }

  /** The inference log the server records its predictions in ({@link InferenceLog#OFF} when off). */
  public InferenceLog inferenceLog() {
    return inferenceLog;
  }

  private static void pause(java.time.Duration period) {
    try {
      TimeUnit.NANOSECONDS.sleep(period.toNanos());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
