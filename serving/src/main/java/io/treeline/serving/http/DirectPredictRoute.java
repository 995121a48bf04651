package io.treeline.serving.http;

import java.util.concurrent.atomic.LongAdder;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Answers {@code POST /v1/models/{name}/predict} on Jetty's own request and response, ahead of
 * Javalin: the busiest route skips the servlet layer, Javalin's context and task queue and the
 * route matching by regular expression, which were about half of what a prediction allocated.
 * It answers exactly as the Javalin route does (a test compares the two byte for byte), so only a
 * request it is sure of is taken: a path with nothing to decode or normalise. Every other request
 * goes on to Javalin.
 */
final class DirectPredictRoute extends Handler.Wrapper {
  private static final String PREFIX = "/v1/models/";
  private static final String SUFFIX = "/predict";

  /** Answers one prediction request on an exchange; {@code query} is the raw query string, or null. */
  interface Answerer {
    void answer(DirectExchange exchange, String model, String query);
  }

  private final Answerer answerer;
  private final LongAdder taken = new LongAdder();
  private volatile boolean enabled = true;

  DirectPredictRoute(Answerer answerer) {
    this.answerer = answerer;
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) throws Exception {
    String model = enabled ? modelOf(request) : null;
    if (model == null) {
      return super.handle(request, response, callback);
    }
    taken.increment();
    DirectExchange exchange = new DirectExchange(request, response);
    answerer.answer(exchange, model, request.getHttpURI().getQuery());
    exchange.send(callback);
    return true;
  }

  /** Off, every request goes to Javalin: for tests that compare the two paths. */
  void enabled(boolean enabled) {
    this.enabled = enabled;
  }

  /** How many requests this route answered: for tests that must know which path a request took. */
  long taken() {
    return taken.sum();
  }

  /** The model a request to take names, or null to leave the request to Javalin. */
  static String modelOf(Request request) {
    if (!"POST".equals(request.getMethod())) {
      return null;
    }
    String path = request.getHttpURI().getPath();
    if (path == null || !path.startsWith(PREFIX) || !path.endsWith(SUFFIX) || path.length() <= PREFIX.length() + SUFFIX.length()) {
      return null;
    }
    int end = path.length() - SUFFIX.length();
    for (int i = PREFIX.length(); i < end; i++) {
      if (!plain(path.charAt(i))) {
        return null;
      }
    }
    String model = path.substring(PREFIX.length(), end);
    return model.equals(".") || model.equals("..") ? null : model;
  }

  private static boolean plain(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
  }
}
