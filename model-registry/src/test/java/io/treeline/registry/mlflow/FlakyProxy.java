package io.treeline.registry.mlflow;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback HTTP proxy in front of the real MLflow server that can answer the next N requests
 * with 503 (as a restarting server or a load balancer would), or forward a request and then close
 * the connection without answering (a response lost on the way back, after the server acted), and
 * records every request line and Authorization header it saw. The server behind it is the real one.
 */
final class FlakyProxy implements AutoCloseable {
  private final HttpServer server;
  private final String target;
  private final HttpClient http = HttpClient.newHttpClient();
  private final AtomicInteger failNext = new AtomicInteger();
  private final Map<String, AtomicInteger> dropAnswers = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> refuse = new ConcurrentHashMap<>();
  final List<String> requests = new CopyOnWriteArrayList<>();
  final List<String> authorizations = new CopyOnWriteArrayList<>();
  /** Requests forwarded whose answer was dropped. */
  final AtomicInteger answersDropped = new AtomicInteger();

  FlakyProxy(String target) throws IOException {
    this.target = target;
    this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", this::handle);
    server.start();
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  void failNext(int requests) {
    failNext.set(requests);
  }

  /** Forwards the next {@code times} requests whose path ends with {@code pathSuffix}, then hangs up instead of answering. */
  void dropAnswerAfterForwarding(String pathSuffix, int times) {
    dropAnswers.put(pathSuffix, new AtomicInteger(times));
  }

  /** Answers the next {@code times} requests whose path ends with {@code pathSuffix} with 503, without forwarding them. */
  void refuseBeforeForwarding(String pathSuffix, int times) {
    refuse.put(pathSuffix, new AtomicInteger(times));
  }

  private static boolean take(Map<String, AtomicInteger> counts, String path) {
    return counts.entrySet().stream()
        .anyMatch(e -> path.endsWith(e.getKey()) && e.getValue().getAndUpdate(n -> Math.max(0, n - 1)) > 0);
  }

  private void handle(HttpExchange exchange) throws IOException {
    String line = exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath();
    requests.add(line);
    String authorization = exchange.getRequestHeaders().getFirst("Authorization");
    authorizations.add(authorization == null ? "" : authorization);
    byte[] body = exchange.getRequestBody().readAllBytes();
    if (failNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0 || take(refuse, exchange.getRequestURI().getPath())) {
      reply(exchange, 503, "{\"error_code\":\"TEMPORARILY_UNAVAILABLE\",\"message\":\"injected\"}".getBytes());
      return;
    }
    HttpRequest.Builder forward = HttpRequest.newBuilder(URI.create(target + exchange.getRequestURI()))
        .method(exchange.getRequestMethod(), body.length == 0 ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
    String type = exchange.getRequestHeaders().getFirst("Content-Type");
    if (type != null) {
      forward.header("Content-Type", type);
    }
    try {
      HttpResponse<byte[]> response = http.send(forward.build(), HttpResponse.BodyHandlers.ofByteArray());
      if (take(dropAnswers, exchange.getRequestURI().getPath())) {
        answersDropped.incrementAndGet();
        exchange.close(); // before any response header: the JDK server closes the connection, the client sees it end
        return;
      }
      reply(exchange, response.statusCode(), response.body());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      reply(exchange, 502, new byte[0]);
    }
  }

  private static void reply(HttpExchange exchange, int status, byte[] body) throws IOException {
    exchange.getResponseHeaders().add("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
