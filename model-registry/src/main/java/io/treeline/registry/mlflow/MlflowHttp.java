package io.treeline.registry.mlflow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.treeline.core.error.Errors;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every call Treeline makes to the tracking server goes through here — the REST API 2.0 and the
 * {@code mlflow-artifacts} file API, over the JDK's HTTP client — so that all of them send the same
 * credentials, retry the same way (5xx and connection errors, backing off; never a 4xx) and fail
 * with the same message.
 *
 * <p>{@link #post} resends a request blindly, so it is for calls that are safe to repeat: setting
 * values (log-batch, update, tags, aliases) or creating something by a unique name, where MLflow
 * answers the repeat with {@code RESOURCE_ALREADY_EXISTS} and the caller takes that as done. Calls
 * that would make a second object when repeated go through {@link #create}.
 *
 * <p>Not mlflow-client 2.17.2: its {@code MlflowHttpCaller} repeats every failed call, 4xx
 * included, three times without a pause, and cannot be configured otherwise from outside.
 */
final class MlflowHttp {
  private static final Logger LOG = LoggerFactory.getLogger(MlflowHttp.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String trackingUri;
  private final MlflowCredentials credentials;
  private final RetryPolicy retry;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  MlflowHttp(String trackingUri, MlflowCredentials credentials, RetryPolicy retry) {
    this.trackingUri = trackingUri.endsWith("/") ? trackingUri.substring(0, trackingUri.length() - 1) : trackingUri;
    this.credentials = credentials;
    this.retry = retry;
  }

  String trackingUri() {
    return trackingUri;
  }

  JsonNode get(String path, Map<String, String> query) {
    URI uri = URI.create(api(path) + (query.isEmpty() ? "" : "?" + query(query)));
    return parse(new String(send(request(uri).GET().build(), "GET " + path), StandardCharsets.UTF_8));
  }

  JsonNode post(String path, Map<String, Object> body) {
    HttpRequest request = request(api(path)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(write(body))).build();
    return parse(new String(send(request, "POST " + path), StandardCharsets.UTF_8));
  }

  /**
   * A POST that creates something ({@code runs/create}, {@code model-versions/create}): sent again
   * after a failure only once {@code existing} has found nothing. A connection lost before the answer
   * or a 5xx from a proxy may come after the server acted, and a blind retry would create a second
   * run or version; {@code existing} looks for what the first attempt made and stands for its answer.
   */
  JsonNode create(String path, Map<String, Object> body, Supplier<Optional<JsonNode>> existing) {
    HttpRequest request = request(api(path)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(write(body))).build();
    boolean[] sent = {false};
    return retrying("POST " + path, () -> {
      if (sent[0]) {
        Optional<JsonNode> made = existing.get();
        if (made.isPresent()) {
          LOG.warn("MLflow POST {}: the earlier attempt had succeeded; not sending it again", path);
          return made.get();
        }
      }
      sent[0] = true;
      return parse(new String(attempt(request), StandardCharsets.UTF_8));
    });
  }

  JsonNode delete(String path, Map<String, Object> body) {
    HttpRequest request = request(api(path)).header("Content-Type", "application/json")
        .method("DELETE", HttpRequest.BodyPublishers.ofString(write(body))).build();
    return parse(new String(send(request, "DELETE " + path), StandardCharsets.UTF_8));
  }

  byte[] downloadArtifact(String path) {
    return send(request(artifactsUri(path)).GET().build(), "GET artifact " + path);
  }

  void uploadArtifact(String path, byte[] bytes) {
    send(request(artifactsUri(path)).PUT(HttpRequest.BodyPublishers.ofByteArray(bytes)).build(), "PUT artifact " + path);
  }

  JsonNode listArtifacts(String path) {
    URI uri = URI.create(trackingUri + "/api/2.0/mlflow-artifacts/artifacts?path=" + URLEncoder.encode(path, StandardCharsets.UTF_8));
    return parse(new String(send(request(uri).GET().build(), "list artifacts " + path), StandardCharsets.UTF_8));
  }

  private URI artifactsUri(String path) {
    String encoded = java.util.Arrays.stream(path.split("/")).map(s -> URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20"))
        .collect(Collectors.joining("/"));
    return URI.create(trackingUri + "/api/2.0/mlflow-artifacts/artifacts/" + encoded);
  }

  private URI api(String path) {
    return URI.create(trackingUri + "/api/2.0/mlflow/" + path);
  }

  private HttpRequest.Builder request(URI uri) {
    HttpRequest.Builder builder = HttpRequest.newBuilder(uri).timeout(Duration.ofMinutes(5));
    credentials.authorization().ifPresent(value -> builder.header("Authorization", value));
    return builder;
  }

  private byte[] send(HttpRequest request, String what) {
    return retrying(what, () -> attempt(request));
  }

  /** One exchange: the body of a 2xx, an {@link MlflowApiException} for a 4xx, a {@link RetryableFailure} otherwise. */
  private byte[] attempt(HttpRequest request) {
    HttpResponse<byte[]> response;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      throw new RetryableFailure(e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RetryableFailure("interrupted");
    }
    int status = response.statusCode();
    if (status >= 500) {
      throw new RetryableFailure("HTTP " + status);
    }
    if (status >= 400) {
      throw apiError(status, new String(response.body(), StandardCharsets.UTF_8));
    }
    return response.body();
  }

  private <T> T retrying(String what, Supplier<T> call) {
    String lastFailure = null;
    for (int attempt = 1; attempt <= retry.attempts(); attempt++) {
      if (attempt > 1) {
        Duration delay = retry.delayBefore(attempt);
        LOG.warn("MLflow {} failed ({}); retry {} of {} in {} ms", what, lastFailure, attempt - 1, retry.attempts() - 1, delay.toMillis());
        sleep(delay);
      }
      try {
        return call.get();
      } catch (RetryableFailure e) {
        lastFailure = e.getMessage();
      }
    }
    throw Errors.jobFailed("call", "the MLflow tracking server at " + trackingUri, what + " failed " + retry.attempts()
        + " times, the last with " + lastFailure,
        "Check that the server is up and that registry.mlflow.tracking-uri (or MLFLOW_TRACKING_URI) points at it.", null);
  }

  private static MlflowApiException apiError(int status, String body) {
    String code = null;
    String message = body;
    try {
      JsonNode node = JSON.readTree(body);
      if (node != null && node.has("error_code")) {
        code = node.get("error_code").asText();
        message = node.path("message").asText(body);
      }
    } catch (IOException | RuntimeException e) {
      // not JSON: keep the body as the message
    }
    return new MlflowApiException(status, code, message == null ? "HTTP " + status : message);
  }

  private static void sleep(Duration delay) {
    try {
      Thread.sleep(delay.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting to retry", e);
    }
  }

  private static String query(Map<String, String> query) {
    return query.entrySet().stream()
        .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
        .collect(Collectors.joining("&"));
  }

  private static JsonNode parse(String json) {
    try {
      return json == null || json.isBlank() ? JSON.createObjectNode() : JSON.readTree(json);
    } catch (IOException e) {
      throw new UncheckedIOException("MLflow answered with something that is not JSON: " + json, e);
    }
  }

  private static String write(Map<String, Object> body) {
    try {
      return JSON.writeValueAsString(new LinkedHashMap<>(body));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A failure worth another attempt: a connection error or a 5xx. */
  private static final class RetryableFailure extends RuntimeException {
    RetryableFailure(String message) {
      super(message, null, false, false);
    }
  }
}
