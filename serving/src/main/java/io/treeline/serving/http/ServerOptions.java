package io.treeline.serving.http;

import io.treeline.serving.auth.Authenticator;
import io.treeline.serving.auth.RateLimiter;
import io.treeline.serving.inference.InferenceLogSettings;
import io.treeline.serving.tracing.TracingSettings;
import java.nio.file.Path;
import java.time.Duration;

/**
 * How a prediction server listens and guards its routes; the {@code serving.*} configuration keys
 * and {@code treeline serve}'s options map onto it one to one (docs/serving.md).
 *
 * @param authenticator null for open prediction routes
 * @param rateLimiter null for no rate limit; keyed by the caller (or the client address without auth)
 * @param tlsKeyStore a PKCS12 key store to serve HTTPS from, or null for plain HTTP
 * @param accessLog whether every request writes an event to the treeline.access logger
 * @param tracing where spans go; {@link TracingSettings#OFF} builds no OpenTelemetry SDK at all
 * @param shutdownDrain how long a stopping server keeps answering, with /ready at 503, before it stops accepting
 * @param maxRequestHeaderBytes the request line plus headers Jetty reads; past it 431 (414 for the URL)
 * @param inferenceLog where and how much of the predictions the server records; {@link InferenceLogSettings#OFF} records none
 * @param routing how requests pick an arm of a route and how shadows are scored
 */
public record ServerOptions(
    String host,
    int port,
    int maxBatch,
    long maxBodyBytes,
    Duration pollInterval,
    Duration shutdownGrace,
    Authenticator authenticator,
    RateLimiter rateLimiter,
    Path tlsKeyStore,
    String tlsKeyStorePassword,
    boolean accessLog,
    TracingSettings tracing,
    Duration shutdownDrain,
    int maxRequestHeaderBytes,
    InferenceLogSettings inferenceLog,
    Routing routing) {

  /**
   * @param key what keeps a caller on one arm ({@code serving.route-key})
   * @param shadowThreads threads scoring shadows
   * @param shadowQueue requests waiting for their shadows; past it a request's shadows are skipped and counted
   */
  public record Routing(RouteKey key, int shadowThreads, int shadowQueue) {
    public static final Routing DEFAULTS = new Routing(RouteKey.RANDOM, 1, 1000);
  }

  /** Never prints the key store password. */
  @Override
  public String toString() {
    return "ServerOptions[" + host + ":" + port + ", maxBatch=" + maxBatch + ", maxBodyBytes=" + maxBodyBytes + ", poll=" + pollInterval
        + ", auth=" + (authenticator == null ? "none" : authenticator.getClass().getSimpleName()) + ", rateLimit=" + (rateLimiter != null)
        + ", tls=" + (tlsKeyStore != null) + ", accessLog=" + accessLog + ", tracing=" + tracing + ", drain=" + shutdownDrain
        + ", maxRequestHeaderBytes=" + maxRequestHeaderBytes + ", inferenceLog=" + inferenceLog + ", routing=" + routing + "]";
  }

  public static ServerOptions defaults() {
    return new ServerOptions("127.0.0.1", 8080, 1000, 1 << 20, Duration.ofSeconds(30), Duration.ofSeconds(10), null, null, null, null, true,
        TracingSettings.OFF, Duration.ZERO, 16_384, InferenceLogSettings.OFF, Routing.DEFAULTS);
  }

  public ServerOptions withPort(int port) {
    return new ServerOptions(host, port, maxBatch, maxBodyBytes, pollInterval, shutdownGrace, authenticator, rateLimiter, tlsKeyStore,
        tlsKeyStorePassword, accessLog, tracing, shutdownDrain, maxRequestHeaderBytes, inferenceLog, routing);
  }

  public ServerOptions withSecurity(Authenticator authenticator, RateLimiter rateLimiter) {
    return new ServerOptions(host, port, maxBatch, maxBodyBytes, pollInterval, shutdownGrace, authenticator, rateLimiter, tlsKeyStore,
        tlsKeyStorePassword, accessLog, tracing, shutdownDrain, maxRequestHeaderBytes, inferenceLog, routing);
  }

  public ServerOptions withTls(Path keyStore, String password) {
    return new ServerOptions(host, port, maxBatch, maxBodyBytes, pollInterval, shutdownGrace, authenticator, rateLimiter, keyStore, password, accessLog,
        tracing, shutdownDrain, maxRequestHeaderBytes, inferenceLog, routing);
  }

  public ServerOptions withPollInterval(Duration interval) {
    return new ServerOptions(host, port, maxBatch, maxBodyBytes, interval, shutdownGrace, authenticator, rateLimiter, tlsKeyStore,
        tlsKeyStorePassword, accessLog, tracing, shutdownDrain, maxRequestHeaderBytes, inferenceLog, routing);
  }

  public ServerOptions withLimits(int maxBatch, long maxBodyBytes) {
    return new ServerOptions(host, port, maxBatch, maxBodyBytes, pollInterval, shutdownGrace, authenticator, rateLimiter, tlsKeyStore,
        tlsKeyStorePassword, accessLog, tracing, shutdownDrain, maxRequestHeaderBytes, inferenceLog, routing);
  }

  public ServerOptions withAccessLog(boolean accessLog) {
    return new ServerOptions(host, port, maxBatch, maxBodyBytes, pollInterval, shutdownGrace, authenticator, rateLimiter, tlsKeyStore,
        tlsKeyStorePassword, accessLog, tracing, shutdownDrain, maxRequestHeaderBytes, inferenceLog, routing);
  }

  public ServerOptions withShutdown(Duration drain, Duration grace) {
    return new ServerOptions(host, port, maxBatch, maxBodyBytes, pollInterval, grace, authenticator, rateLimiter, tlsKeyStore,
        tlsKeyStorePassword, accessLog, tracing, drain, maxRequestHeaderBytes, inferenceLog, routing);
  }

  public ServerOptions withMaxRequestHeaderBytes(int bytes) {
    return new ServerOptions(host, port, maxBatch, maxBodyBytes, pollInterval, shutdownGrace, authenticator, rateLimiter, tlsKeyStore,
        tlsKeyStorePassword, accessLog, tracing, shutdownDrain, bytes, inferenceLog, routing);
  }

  public ServerOptions withTracing(TracingSettings tracing) {
    return new ServerOptions(host, port, maxBatch, maxBodyBytes, pollInterval, shutdownGrace, authenticator, rateLimiter, tlsKeyStore,
        tlsKeyStorePassword, accessLog, tracing, shutdownDrain, maxRequestHeaderBytes, inferenceLog, routing);
  }

  public ServerOptions withInferenceLog(InferenceLogSettings inferenceLog) {
    return new ServerOptions(host, port, maxBatch, maxBodyBytes, pollInterval, shutdownGrace, authenticator, rateLimiter, tlsKeyStore,
        tlsKeyStorePassword, accessLog, tracing, shutdownDrain, maxRequestHeaderBytes, inferenceLog, routing);
  }

  public ServerOptions withRouting(Routing routing) {
    return new ServerOptions(host, port, maxBatch, maxBodyBytes, pollInterval, shutdownGrace, authenticator, rateLimiter, tlsKeyStore,
        tlsKeyStorePassword, accessLog, tracing, shutdownDrain, maxRequestHeaderBytes, inferenceLog, routing);
  }
}
