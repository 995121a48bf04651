package io.treeline.serving.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.treeline.serving.ServingApp;
import io.treeline.serving.auth.ApiKeyAuthenticator;
import io.treeline.serving.auth.JwtAuthenticator;
import io.treeline.serving.auth.RateLimiter;
import io.treeline.serving.auth.TestTokens;
import java.io.FileInputStream;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyStore;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** API keys, JWTs, rate limits, TLS and a shutdown that finishes the requests in flight. */
class SecurityTest {
  private static final String RECORD = "{\"records\":[{\"origin\":\"SFO\",\"destination\":\"LAX\",\"departure\":\"2001-06-15T08:30:00\",\"distance\":337}]}";
  private static final String PREDICT = "/v1/models/delay/predict";

  @TempDir Path temp;

  private static ServingApp serve(ServerOptions options) {
    return ServingFixture.get().serve(options, "delay@champion");
  }

  private static void assertRefused(TestClient.Answer answer, String mentions) {
    assertThat(answer.status()).as(answer.body()).isEqualTo(401);
    assertThat(answer.json().get("error_code").asText()).isEqualTo("UNAUTHENTICATED");
    assertThat(answer.json().get("message").asText()).contains(mentions);
    assertThat(answer.raw().headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
  }

  @Test
  void api_keys_guard_the_prediction_routes_and_leave_health_and_metrics_open() {
    ServerOptions options = ServingFixture.options().withSecurity(new ApiKeyAuthenticator(Map.of("app", "key-0123456789abcdef")), null);
    try (ServingApp app = serve(options)) {
      TestClient client = new TestClient(app.baseUrl());
      assertRefused(client.post(PREDICT, "application/json", RECORD), "missing");
      assertRefused(client.post(PREDICT, "application/json", RECORD, "X-API-Key", "key-0123456789abcdeX"), "invalid API key");
      assertRefused(client.post("/invocations", "application/json", "{\"instances\":[]}"), "missing");
      assertRefused(client.post("/v2/models/delay/infer", "application/json", "{}"), "missing");
      assertThat(client.post(PREDICT, "application/json", RECORD, "X-API-Key", "key-0123456789abcdef").status()).isEqualTo(200);
      assertThat(client.post(PREDICT, "application/json", RECORD, "Authorization", "Bearer key-0123456789abcdef").status()).isEqualTo(200);
      assertThat(client.get("/ping").status()).isEqualTo(200);
      assertThat(client.get("/metrics").status()).isEqualTo(200);
      assertThat(client.get("/ready").status()).isEqualTo(200);
    }
  }

  private static Map<String, Object> claims(String issuer, Instant expires) {
    Map<String, Object> claims = new LinkedHashMap<>();
    claims.put("sub", "app");
    claims.put("iss", issuer);
    claims.put("aud", List.of("serving"));
    claims.put("iat", Instant.now().getEpochSecond());
    claims.put("exp", expires.getEpochSecond());
    return claims;
  }

  @Test
  void rs256_tokens_are_checked_for_algorithm_signature_expiry_issuer_and_audience() {
    KeyPair keys = TestTokens.rsaKeyPair();
    String pem = TestTokens.pem(keys.getPublic());
    JwtAuthenticator jwt = JwtAuthenticator.rs256(pem).issuer("treeline-test").audience("serving").build();
    try (ServingApp app = serve(ServingFixture.options().withSecurity(jwt, null))) {
      TestClient client = new TestClient(app.baseUrl());
      Instant later = Instant.now().plusSeconds(600);
      String valid = TestTokens.rs256(keys.getPrivate(), claims("treeline-test", later));
      assertThat(client.post(PREDICT, "application/json", RECORD, "Authorization", "Bearer " + valid).status()).isEqualTo(200);

      assertRefused(client.post(PREDICT, "application/json", RECORD), "missing");
      assertRefused(client.post(PREDICT, "application/json", RECORD, "Authorization", "Bearer " + valid.substring(0, valid.length() - 4) + "AAAA"),
          "signature");
      String expired = TestTokens.rs256(keys.getPrivate(), claims("treeline-test", Instant.now().minusSeconds(3600)));
      assertRefused(client.post(PREDICT, "application/json", RECORD, "Authorization", "Bearer " + expired), "expired");
      String none = TestTokens.unsigned(TestTokens.header("none"), claims("treeline-test", later));
      assertRefused(client.post(PREDICT, "application/json", RECORD, "Authorization", "Bearer " + none), "'none'");
      String confused = TestTokens.hmac(pem.getBytes(StandardCharsets.US_ASCII), TestTokens.header("HS256"), claims("treeline-test", later));
      assertRefused(client.post(PREDICT, "application/json", RECORD, "Authorization", "Bearer " + confused), "HS256");
      String otherIssuer = TestTokens.rs256(keys.getPrivate(), claims("someone-else", later));
      assertRefused(client.post(PREDICT, "application/json", RECORD, "Authorization", "Bearer " + otherIssuer), "issuer");
      Map<String, Object> noAudience = claims("treeline-test", later);
      noAudience.put("aud", "billing");
      assertRefused(client.post(PREDICT, "application/json", RECORD, "Authorization", "Bearer " + TestTokens.rs256(keys.getPrivate(), noAudience)),
          "audience");
    }
  }

  @Test
  void hs256_tokens_need_the_shared_secret() {
    JwtAuthenticator jwt = JwtAuthenticator.hs256(TestTokens.SECRET).build();
    try (ServingApp app = serve(ServingFixture.options().withSecurity(jwt, null))) {
      TestClient client = new TestClient(app.baseUrl());
      Instant later = Instant.now().plusSeconds(600);
      assertThat(client.post(PREDICT, "application/json", RECORD, "Authorization", "Bearer " + TestTokens.hs256(TestTokens.SECRET, claims("x", later)))
          .status()).isEqualTo(200);
      byte[] other = "another-secret-of-thirty-two-bytes!!".getBytes(StandardCharsets.US_ASCII);
      assertRefused(client.post(PREDICT, "application/json", RECORD, "Authorization", "Bearer " + TestTokens.hs256(other, claims("x", later))),
          "signature");
    }
  }

  @Test
  void each_caller_has_its_own_rate_limit() {
    ServerOptions options = ServingFixture.options()
        .withSecurity(new ApiKeyAuthenticator(Map.of("a", "key-aaaaaaaaaaaaaaaa", "b", "key-bbbbbbbbbbbbbbbb")), new RateLimiter(0.5, 2));
    try (ServingApp app = serve(options)) {
      TestClient client = new TestClient(app.baseUrl());
      assertThat(client.post(PREDICT, "application/json", RECORD, "X-API-Key", "key-aaaaaaaaaaaaaaaa").status()).isEqualTo(200);
      assertThat(client.post(PREDICT, "application/json", RECORD, "X-API-Key", "key-aaaaaaaaaaaaaaaa").status()).isEqualTo(200);
      TestClient.Answer limited = client.post(PREDICT, "application/json", RECORD, "X-API-Key", "key-aaaaaaaaaaaaaaaa");
      assertThat(limited.status()).isEqualTo(429);
      assertThat(limited.json().get("error_code").asText()).isEqualTo("REQUEST_LIMIT_EXCEEDED");
      assertThat(limited.raw().headers().firstValue("Retry-After")).hasValueSatisfying(s -> assertThat(Long.parseLong(s)).isBetween(1L, 2L));
      assertThat(client.post(PREDICT, "application/json", RECORD, "X-API-Key", "key-bbbbbbbbbbbbbbbb").status()).isEqualTo(200);
      assertThat(client.get("/ping").status()).as("health checks are not limited").isEqualTo(200);
    }
  }

  @Test
  void failed_logins_spend_the_client_address_allowance() {
    ServerOptions options = ServingFixture.options()
        .withSecurity(new ApiKeyAuthenticator(Map.of("a", "key-aaaaaaaaaaaaaaaa")), new RateLimiter(0.5, 2));
    try (ServingApp app = serve(options)) {
      TestClient client = new TestClient(app.baseUrl());
      assertRefused(client.post(PREDICT, "application/json", RECORD, "X-API-Key", "guess-1"), "invalid API key");
      assertRefused(client.post(PREDICT, "application/json", RECORD, "X-API-Key", "guess-2"), "invalid API key");
      TestClient.Answer third = client.post(PREDICT, "application/json", RECORD, "X-API-Key", "guess-3");
      assertThat(third.status()).as("guessing is rate limited").isEqualTo(429);
      assertThat(third.raw().headers().firstValue("Retry-After")).isPresent();
      assertThat(client.post(PREDICT, "application/json", RECORD, "X-API-Key", "key-aaaaaaaaaaaaaaaa").status())
          .as("the key's own allowance is separate").isEqualTo(200);
    }
  }

  @Test
  void serves_https_from_a_key_store() throws Exception {
    Path store = temp.resolve("server.p12");
    Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(), "-genkeypair",
        "-alias", "serving", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2", "-dname", "CN=localhost",
        "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-storetype", "PKCS12", "-keystore", store.toString(), "-storepass", "changeit")
        .redirectErrorStream(true).start();
    assertThat(keytool.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(keytool.exitValue()).as(new String(keytool.getInputStream().readAllBytes())).isZero();
    KeyStore trusted = KeyStore.getInstance("PKCS12");
    try (FileInputStream in = new FileInputStream(store.toFile())) {
      trusted.load(in, "changeit".toCharArray());
    }
    TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    trust.init(trusted);
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(null, trust.getTrustManagers(), null);

    try (ServingApp app = serve(ServingFixture.options().withTls(store, "changeit"))) {
      assertThat(app.baseUrl()).startsWith("https://");
      TestClient client = new TestClient(app.baseUrl(), HttpClient.newBuilder().sslContext(tls).build());
      assertThat(client.get("/ping").status()).isEqualTo(200);
      assertThat(client.post(PREDICT, "application/json", RECORD).json().get("version").asLong()).isEqualTo(1);
      TestClient plain = new TestClient(app.baseUrl().replace("https://", "http://"));
      assertThatThrownBy(() -> plain.get("/ping")).isInstanceOf(java.io.UncheckedIOException.class);
    }
  }

  @Test
  void shutdown_drains_then_stops_accepting_and_finishes_the_requests_in_flight() throws Exception {
    ServingApp app = serve(ServingFixture.options().withShutdown(java.time.Duration.ofSeconds(2), java.time.Duration.ofSeconds(10)));
    TestClient client = new TestClient(app.baseUrl());
    int port = app.server().port();
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    app.server().requestHook(() -> {
      if (entered.getCount() > 0) {
        entered.countDown();
        try {
          release.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    });
    CompletableFuture<TestClient.Answer> inFlight = CompletableFuture.supplyAsync(() -> client.post(PREDICT, "application/json", RECORD));
    assertThat(entered.await(30, TimeUnit.SECONDS)).isTrue();
    long stopAt = System.nanoTime();
    CompletableFuture<Void> closing = CompletableFuture.runAsync(app::close);
    TimeUnit.MILLISECONDS.sleep(300);

    assertThat(client.get("/ready").status()).as("/ready turns 503 at once").isEqualTo(503);
    String predict = "POST " + PREDICT + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
        + "Content-Length: " + RECORD.length() + "\r\n\r\n" + RECORD;
    try (java.net.Socket keptAlive = new java.net.Socket("127.0.0.1", port)) {
      WireAnswer during = WireAnswer.exchange(keptAlive, predict);
      assertThat(during.status()).as("still answering during the drain period").isEqualTo(200);
      assertThat(during.header("Connection")).as("on a kept-alive connection").isNotEqualToIgnoringCase("close");
      assertThat(closing).as("the server waits for the request in flight").isNotDone();

      TimeUnit.NANOSECONDS.sleep(Math.max(0, stopAt + TimeUnit.MILLISECONDS.toNanos(2_500) - System.nanoTime()));
      assertThatThrownBy(() -> new java.net.Socket("127.0.0.1", port).close()).as("no new connections after the drain period")
          .isInstanceOf(java.net.ConnectException.class);
      WireAnswer late = WireAnswer.exchange(keptAlive, predict);
      assertThat(late.status()).as("a late prediction on an open connection").isEqualTo(503);
      assertThat(late.header("Connection")).as("is its last answer").isEqualToIgnoringCase("close");
      assertThat(keptAlive.getInputStream().read()).as("the server closed the connection").isEqualTo(-1);
    }
    assertThat(closing).isNotDone();

    release.countDown();
    TestClient.Answer finished = inFlight.get(30, TimeUnit.SECONDS);
    assertThat(finished.status()).isEqualTo(200);
    assertThat(finished.json().get("predictions")).hasSize(1);
    closing.get(30, TimeUnit.SECONDS);
  }

}
