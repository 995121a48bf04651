package io.treeline.serving.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.treeline.serving.ServingApp;
import io.treeline.serving.auth.ApiKeyAuthenticator;
import io.treeline.serving.auth.RateLimiter;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The native predict route is answered twice over: by {@link DirectPredictRoute} on Jetty's own
 * request, and by the Javalin route (which takes a request the direct route is not sure of, and
 * every request while it is off). Each request here goes both ways over a plain socket, and the
 * two answers must be the same bytes: status, every header but Date, and body.
 */
class DirectPredictRouteTest {
  private static final String GOOD = "{\"origin\":\"SFO\",\"destination\":\"LAX\",\"departure\":\"2001-06-15T08:30:00\",\"distance\":337}";
  private static final String KEY = "key-0123456789abcdef";
  private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private static ServingApp open;
  private static ServingApp guarded;

  @BeforeAll
  static void serve() {
    open = ServingFixture.get().serve(ServingFixture.options().withLimits(10, 16_384), "delay@champion");
    guarded = ServingFixture.get().serve(ServingFixture.options().withSecurity(new ApiKeyAuthenticator(Map.of("app", KEY)), new RateLimiter(0.001, 4)),
        "delay@champion");
  }

  @AfterAll
  static void stop() {
    open.close();
    guarded.close();
  }

  /** A request to send both ways. */
  record Sent(String name, String target, String contentType, String body, String extraHeaders) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Sent> requests() {
    List<Sent> sent = new ArrayList<>();
    sent.add(new Sent("one record", "/v1/models/delay/predict", "application/json", "{\"records\":[" + GOOD + "]}", ""));
    sent.add(new Sent("two records", "/v1/models/delay/predict", "application/json", "{\"records\":[" + GOOD + "," + GOOD.replace("SFO", "ORD") + "]}", ""));
    sent.add(new Sent("explained", "/v1/models/delay/predict?explain=true", "application/json", "{\"records\":[" + GOOD + "]}", ""));
    sent.add(new Sent("not explained", "/v1/models/delay/predict?explain=false", "application/json", "{\"records\":[" + GOOD + "]}", ""));
    sent.add(new Sent("a JSON object labelled as a form", "/v1/models/delay/predict", "application/x-www-form-urlencoded",
        "{\"records\":[" + GOOD + "]}", ""));
    sent.add(new Sent("a content type with a charset", "/v1/models/delay/predict", "application/json; charset=utf-8", "{\"records\":[" + GOOD + "]}", ""));
    sent.add(new Sent("the model by its registered name", "/v1/models/delay-minutes/predict", "application/json", "{\"records\":[" + GOOD + "]}", ""));
    sent.add(new Sent("a small answer to a client that takes gzip", "/v1/models/delay/predict", "application/json", "{\"records\":[" + GOOD + "]}",
        "Accept-Encoding: gzip, deflate\r\n"));
    sent.add(new Sent("a broken percent escape in the query", "/v1/models/delay/predict?explain=%ZZ", "application/json", "{\"records\":[" + GOOD + "]}",
        ""));
    // Every refusal of the native route the catalogue of bad requests holds.
    BadRequestTest.catalogue().filter(c -> c.method().equals("POST") && c.path().startsWith("/v1/models/"))
        .forEach(c -> sent.add(new Sent(c.name(), c.path(), c.contentType(), c.body(), "")));
    return sent.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("requests")
  void answersAsTheJavalinRouteDoes(Sent sent) throws IOException {
    assertSameAnswer(open, sent, true);
  }

  @Test
  void aChunkedBodyIsReadTheSame() throws IOException {
    String body = "{\"records\":[" + GOOD + "]}";
    String chunked = Integer.toHexString(10) + "\r\n" + body.substring(0, 10) + "\r\n" + Integer.toHexString(body.length() - 10) + "\r\n"
        + body.substring(10) + "\r\n0\r\n\r\n";
    WireAnswer direct = send(open, "POST /v1/models/delay/predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        + "Transfer-Encoding: chunked\r\nX-Request-Id: chunked\r\nConnection: close\r\n\r\n" + chunked, true);
    WireAnswer routed = send(open, "POST /v1/models/delay/predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        + "Transfer-Encoding: chunked\r\nX-Request-Id: chunked\r\nConnection: close\r\n\r\n" + chunked, false);
    assertThat(direct.status()).isEqualTo(200);
    assertSame(direct, routed);
  }

  @Test
  void compressesABigAnswerAsJavalinDoes() throws Exception {
    String records = String.join(",", java.util.Collections.nCopies(10, GOOD));
    HttpRequest request = HttpRequest.newBuilder(URI.create(open.baseUrl() + "/v1/models/delay/predict?explain=true"))
        .header("Content-Type", "application/json").header("Accept-Encoding", "gzip, deflate").header("X-Request-Id", "compare-gzip")
        .POST(HttpRequest.BodyPublishers.ofString("{\"records\":[" + records + "]}")).build();
    HttpResponse<byte[]> direct = sendWithClient(request, true);
    HttpResponse<byte[]> routed = sendWithClient(request, false);
    assertThat(direct.statusCode()).isEqualTo(200);
    assertThat(direct.headers().firstValue("content-encoding")).hasValue("gzip");
    // Javalin streams what it compresses in chunks; the direct route knows the whole length: the framing may differ, nothing else.
    assertThat(framed(direct.headers().map())).isEqualTo(framed(routed.headers().map()));
    String answer = new String(new GZIPInputStream(new ByteArrayInputStream(direct.body())).readAllBytes(), StandardCharsets.UTF_8);
    assertThat(answer).hasSizeGreaterThan(1500).contains("\"features\"")
        .isEqualTo(new String(new GZIPInputStream(new ByteArrayInputStream(routed.body())).readAllBytes(), StandardCharsets.UTF_8));
  }

  private static HttpResponse<byte[]> sendWithClient(HttpRequest request, boolean direct) throws Exception {
    long before = open.server().answeredDirectly();
    open.server().answerDirectly(direct);
    try {
      HttpResponse<byte[]> response = CLIENT.send(request, HttpResponse.BodyHandlers.ofByteArray());
      assertThat(open.server().answeredDirectly() - before).as("answered by the direct route").isEqualTo(direct ? 1 : 0);
      return response;
    } finally {
      open.server().answerDirectly(true);
    }
  }

  private static Map<String, List<String>> framed(Map<String, List<String>> headers) {
    Map<String, List<String>> kept = new TreeMap<>(headers);
    kept.keySet().removeAll(List.of("date", "content-length", "transfer-encoding"));
    return kept;
  }

  @Test
  void refusesAnUnknownCallerAndAnExhaustedOneAsJavalinDoes() throws IOException {
    Sent noKey = new Sent("no key", "/v1/models/delay/predict", "application/json", "{\"records\":[" + GOOD + "]}", "");
    Sent wrongKey = new Sent("a wrong key", "/v1/models/delay/predict", "application/json", "{\"records\":[" + GOOD + "]}",
        "X-API-Key: key-ffffffffffffffff\r\n");
    assertThat(assertSameAnswer(guarded, noKey, false).status()).isEqualTo(401);
    assertThat(assertSameAnswer(guarded, wrongKey, false).status()).isEqualTo(401);

    // Failed attempts spend the address's four requests (all four above); the caller's own bucket holds four more and refills in 1,000 s.
    Sent keyed = new Sent("keyed", "/v1/models/delay/predict", "application/json", "{\"records\":[" + GOOD + "]}", "X-API-Key: " + KEY + "\r\n");
    for (int i = 0; i < 2; i++) {
      assertThat(send(guarded, request(keyed), true).status()).isEqualTo(200);
      assertThat(send(guarded, request(keyed), false).status()).isEqualTo(200);
    }
    WireAnswer direct = send(guarded, request(keyed), true);
    WireAnswer routed = send(guarded, request(keyed), false);
    assertThat(direct.status()).isEqualTo(429);
    assertThat(direct.header("retry-after")).matches("9\\d\\d|1000");
    assertThat(routed.header("retry-after")).matches("9\\d\\d|1000");
    assertThat(without(direct.headers(), "retry-after")).isEqualTo(without(routed.headers(), "retry-after"));
    assertThat(direct.body()).isEqualTo(routed.body());
  }

  /**
   * A refusal answered before the client's body arrived, on a kept-alive connection (BadRequestTest met it: the
   * next request on that connection got no answer, since Jetty closes a connection whose request body was not
   * read): the answer says the connection closes. A body that did arrive is read past, and the connection
   * serves the next request.
   */
  @Test
  void aRefusalBeforeItsBodyArrivedSaysTheConnectionClosesAndOneAfterItKeepsTheConnection() throws IOException {
    String body = "{\"records\":[" + GOOD + "]}";
    String head = "POST /v1/models/delay/predict HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: " + body.length() + "\r\n\r\n";
    for (boolean direct : List.of(true, false)) {
      open.server().answerDirectly(direct);
      try (Socket socket = new Socket("127.0.0.1", open.server().port())) {
        long before = open.server().answeredDirectly();
        WireAnswer refused = WireAnswer.exchange(socket, head); // the body is never sent
        assertThat(refused.status()).as(refused.text()).isEqualTo(415);
        assertThat(refused.header("connection")).as("direct: %s", direct).isEqualTo("close");
        assertThat(open.server().answeredDirectly() - before).isEqualTo(direct ? 1 : 0);
        assertThat(socket.getInputStream().read()).as("the server closed the connection").isEqualTo(-1);
      } finally {
        open.server().answerDirectly(true);
      }
    }
    try (Socket socket = new Socket("127.0.0.1", open.server().port())) {
      WireAnswer refused = WireAnswer.exchange(socket, head + body);
      assertThat(refused.status()).isEqualTo(415);
      assertThat(refused.header("connection")).isEmpty();
      WireAnswer answered = WireAnswer.exchange(socket, head.replace("text/plain", "application/json") + body);
      assertThat(answered.status()).as(answered.text()).isEqualTo(200);
    }
  }

  @Test
  void leavesToJavalinWhatItCannotBeSureOf() throws IOException {
    String body = "{\"records\":[" + GOOD + "]}";
    for (String target : List.of("/v1/models/delay/predict/", "/v1/models/de%6Cay/predict", "/v1/models/../predict", "/v1/models//predict",
        "/v1/models/delay;x=1/predict")) {
      long before = open.server().answeredDirectly();
      WireAnswer answer = WireAnswer.send(open.server().port(), "POST " + target + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
          + "Content-Length: " + body.length() + "\r\nConnection: close\r\n\r\n" + body);
      assertThat(open.server().answeredDirectly()).as(target).isEqualTo(before);
      assertThat(answer.status()).as(target).isBetween(200, 499);
    }
  }

  private static WireAnswer assertSameAnswer(ServingApp app, Sent sent, boolean checkStatusFamily) throws IOException {
    WireAnswer direct = send(app, request(sent), true);
    WireAnswer routed = send(app, request(sent), false);
    if (checkStatusFamily) {
      assertThat(direct.status()).as(direct.text()).isBetween(200, 499);
    }
    assertSame(direct, routed);
    return direct;
  }

  private static void assertSame(WireAnswer direct, WireAnswer routed) {
    assertThat(direct.status()).as(direct.text()).isEqualTo(routed.status());
    assertThat(without(direct.headers(), "date")).as(direct.text() + "\n---\n" + routed.text()).isEqualTo(without(routed.headers(), "date"));
    assertThat(direct.body()).isEqualTo(routed.body());
  }

  /** Sends {@code request} the way asked and checks that it went that way. */
  private static WireAnswer send(ServingApp app, String request, boolean direct) throws IOException {
    long before = app.server().answeredDirectly();
    app.server().answerDirectly(direct);
    try {
      WireAnswer answer = WireAnswer.send(app.server().port(), request);
      assertThat(app.server().answeredDirectly() - before).as("answered by the direct route").isEqualTo(direct ? 1 : 0);
      return answer;
    } finally {
      app.server().answerDirectly(true);
    }
  }

  private static String request(Sent sent) {
    StringBuilder request = new StringBuilder("POST ").append(sent.target()).append(" HTTP/1.1\r\nHost: x\r\n");
    if (sent.contentType() != null) {
      request.append("Content-Type: ").append(sent.contentType()).append("\r\n");
    }
    String body = sent.body() == null ? "" : sent.body();
    request.append("Content-Length: ").append(body.length()).append("\r\n").append("X-Request-Id: compare-1\r\n").append(sent.extraHeaders());
    return request.append("Connection: close\r\n\r\n").append(body).toString();
  }

  private static Map<String, String> without(Map<String, String> headers, String name) {
    Map<String, String> kept = new TreeMap<>(headers);
    kept.remove(name);
    return kept;
  }
}
