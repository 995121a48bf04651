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
  private static final String V1_PREDICT = "/v1/models/{name}/predict";
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
  private final Guard guard;
  private final NativeApi v1;
  private final DirectPredictRoute direct = new DirectPredictRoute(this::predictDirect);
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
    this.v1 = new NativeApi(host, scoring, options);
    MlflowScoringApi mlflow = new MlflowScoringApi(host, scoring, options);
    OpenInferenceApi v2 = new OpenInferenceApi(host, scoring, options);
    this.guard = new Guard(options.authenticator(), options.rateLimiter());
    this.app = Javalin.create(cfg -> {
      jetty(cfg);
      cfg.http.maxRequestSize = options.maxBodyBytes();
      cfg.startup.showJavalinBanner = false;
      cfg.routes.before(ctx -> begin(JavalinExchange.of(ctx)));
      for (String path : new String[] {"/v1/*", "/invocations", "/v2/models/*"}) {
        cfg.routes.before(path, ctx -> guard.check(JavalinExchange.of(ctx)));
      }
      cfg.routes.post(V1_PREDICT, prediction("v1_predict", ctx -> v1.predict(JavalinExchange.of(ctx), ctx.pathParam("name"), ctx.queryString())));
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
      cfg.routes.exception(ApiException.class, (e, ctx) -> refuse(JavalinExchange.of(ctx), e));
      cfg.routes.exception(HttpResponseException.class, (e, ctx) -> refuse(JavalinExchange.of(ctx), translate(e, ctx)));
      cfg.routes.exception(Exception.class, (e, ctx) -> failed(JavalinExchange.of(ctx), e));
      cfg.routes.error(404, ctx -> {
        Exchange ex = JavalinExchange.of(ctx);
        if (ex.error == null) {
          refuse(ex, ApiException.notFound("no route " + ctx.method() + " " + Quoted.cut(ctx.path()) + "; GET /openapi.json lists them"));
        }
      });
      cfg.routes.error(405, ctx -> {
        Exchange ex = JavalinExchange.of(ctx);
        if (ex.error == null) {
          refuse(ex, ApiException.methodNotAllowed(ctx.method() + " is not allowed on " + Quoted.cut(ctx.path()) + "; GET /openapi.json lists the routes"));
        }
      });
      cfg.routes.after(ctx -> record(JavalinExchange.of(ctx)));
    });
  }

  private void jetty(JavalinConfig cfg) {
    cfg.jetty.host = options.host();
    cfg.jetty.port = options.port();
    cfg.http.prefer405over404 = true;
    HttpRefusals refusals = new HttpRefusals(options.maxRequestHeaderBytes());
    cfg.jetty.modifyServer(server -> {
      server.insertHandler(direct);
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

  /** Whether the native predict route is answered on Jetty's request (the default) or by Javalin: for tests that compare the two. */
  void answerDirectly(boolean directly) {
    direct.enabled(directly);
  }

  /** How many prediction requests Jetty handed to the predict route without Javalin: for tests of which path a request took. */
  long answeredDirectly() {
    return direct.taken();
  }

  private void begin(Exchange ex) {
    if (closing) {
      // A kept-alive connection is closed by the server right after a whole answer, never while a request may be on its way.
      ex.responseHeader("Connection", "close");
    }
    ex.requestId = RequestIds.of(ex.header(RequestIds.HEADER));
    ex.responseHeader(RequestIds.HEADER, ex.requestId);
    if (tracer.enabled()) {
      ex.trace = tracer.request(ex.method(), ex.path(), ex::header);
    }
  }

  /**
   * {@code POST /v1/models/{name}/predict} as {@link DirectPredictRoute} hands it over: the steps
   * Javalin's handlers take for the route below, in their order, on Jetty's own request.
   */
  private void predictDirect(DirectExchange ex, String name, String query) {
    begin(ex);
    try {
      guard.check(ex);
      matched(ex, "v1_predict", V1_PREDICT);
      predicting(() -> v1.predict(ex, name, query));
    } catch (ApiException e) {
      refuse(ex, e);
    } catch (Exception e) {
      failed(ex, e);
    }
    record(ex);
  }

  private static void matched(Exchange ex, String route, String endpoint) {
    ex.route = route;
    ex.endpoint = endpoint;
    ex.trace.route(ex.method(), endpoint);
  }

  private Handler route(String name, Handler handler) {
    return ctx -> {
      matched(JavalinExchange.of(ctx), name, ctx.endpoint().path);
      handler.handle(ctx);
    };
  }

  private Handler prediction(String name, Handler handler) {
    return route(name, ctx -> predicting(() -> handler.handle(ctx)));
  }

  /** A step of a request that may throw anything; the server maps what it throws to an answer. */
  private interface Step {
    void run() throws Exception;
  }

  private void predicting(Step scoring) throws Exception {
    inFlight.incrementAndGet(); // counted before the check, so close() cannot miss a request that passed it
    try {
      if (closing) {
        throw ApiException.unavailable("the server is shutting down: retry on another instance");
      }
      scoring.run();
      requestHook.run();
    } finally {
      inFlight.decrementAndGet();
    }
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

  private void refuse(Exchange ex, ApiException e) {
    ex.error = e.errorCode();
    if (e.status() == 401) {
      ex.responseHeader("WWW-Authenticate", "Bearer");
    }
    Map<String, String> body = new java.util.LinkedHashMap<>();
    body.put("error_code", e.errorCode());
    body.put("message", e.getMessage());
    if (ex.path().startsWith("/v2/") || ex.path().equals("/v2")) {
      body.put("error", e.getMessage()); // the Open Inference Protocol's error object, which its clients decode
    }
    Bodies.write(ex, e.status(), body);
  }

  /** Anything but a refusal: logged with its stack trace for the operator, and a 500 that shows the caller none of it. */
  private void failed(Exchange ex, Exception e) {
    LOG.error("Request {} {} failed (request id {})", ex.method(), ex.path(), ex.requestId, e);
    ex.trace.span().recordException(e);
    ex.error = "INTERNAL_ERROR";
    Bodies.write(ex, 500, Map.of("error_code", "INTERNAL_ERROR", "message", "the server failed to answer; its log has the details"));
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

  private void record(Exchange ex) {
    long nanos = System.nanoTime() - ex.started;
    String route = ex.route == null ? "unmatched" : ex.route;
    String model = ex.model == null ? "" : ex.model;
    String modelVersion = ex.version == null ? "" : ex.version;
    int status = ex.status();
    scoring.answered(ex, status, nanos);
    metrics.request(route, model, modelVersion, ex.arm == null ? "" : ex.arm, status, nanos);
    if (ex.error != null) {
      metrics.error(route, model, ex.error);
    }
    ex.trace.end(status, ex.error);
    if (accessLog != null && AccessLog.enabled()) {
      accessLog.log(new AccessEvent(ex.requestId, ex.method(), ex.path(), route, model, modelVersion, status, Math.round(nanos / 1e4) / 100.0,
          ex.error, ex.trace.traceId()));
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
