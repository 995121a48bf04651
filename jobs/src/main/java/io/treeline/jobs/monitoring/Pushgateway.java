package io.treeline.jobs.monitoring;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Pushes metrics to a Prometheus Pushgateway over its HTTP API: PUT replaces every metric of a group,
 * POST only those of the same names (so a failed run keeps the time of the last success).
 */
public final class Pushgateway {
  private final PushgatewaySettings settings;
  private final HttpClient client;

  public Pushgateway(PushgatewaySettings settings) {
    this.settings = settings;
    this.client = HttpClient.newBuilder().connectTimeout(settings.timeout()).build();
  }

  public PushgatewaySettings settings() {
    return settings;
  }

  /** The grouping key: the job, then {@code labels} in order, then the instance when one is set. */
  Map<String, String> group(String... labels) {
    Map<String, String> group = new LinkedHashMap<>();
    group.put("job", settings.job());
    for (int i = 0; i < labels.length; i += 2) {
      group.put(labels[i], labels[i + 1]);
    }
    if (!settings.instance().isEmpty()) {
      group.put("instance", settings.instance());
    }
    return group;
  }

  void replace(Map<String, String> group, MetricsText metrics) throws IOException {
    send("PUT", group, metrics);
  }

  void update(Map<String, String> group, MetricsText metrics) throws IOException {
    send("POST", group, metrics);
  }

  private void send(String method, Map<String, String> group, MetricsText metrics) throws IOException {
    URI uri = URI.create(settings.url() + path(group));
    HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(settings.timeout())
        .header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
        .method(method, HttpRequest.BodyPublishers.ofString(metrics.toString(), StandardCharsets.UTF_8));
    if (!settings.username().isEmpty()) {
      String credentials = settings.username() + ":" + settings.password();
      request.header("Authorization", "Basic " + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8)));
    }
    HttpResponse<String> response;
    try {
      response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    if (response.statusCode() / 100 != 2) {
      throw new IOException("HTTP " + response.statusCode() + " " + response.body().strip());
    }
  }

  /**
   * /metrics/job@base64/…/label@base64/…: base64url values may hold any character, such as the space
   * in "features materialize" or a slash, which plain path segments cannot.
   */
  static String path(Map<String, String> group) {
    StringBuilder path = new StringBuilder("/metrics");
    group.forEach((label, value) -> path.append('/').append(label).append("@base64/")
        .append(value.isEmpty() ? "=" : Base64.getUrlEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8))));
    return path.toString();
  }
}
