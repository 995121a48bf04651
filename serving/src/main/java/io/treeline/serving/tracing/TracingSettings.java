package io.treeline.serving.tracing;

import java.util.Map;

/**
 * Where serving's spans go ({@code serving.tracing.*}). An empty endpoint means tracing is off and
 * no OpenTelemetry SDK is built.
 *
 * @param otlpEndpoint the OTLP/HTTP traces URL, e.g. http://collector:4318/v1/traces; empty for off
 * @param sampleRatio the share of new traces recorded; an incoming sampled traceparent is always followed
 */
public record TracingSettings(String otlpEndpoint, double sampleRatio, String serviceName, Map<String, String> resourceAttributes) {
  public static final TracingSettings OFF = new TracingSettings("", 1.0, "treeline-serving", Map.of());

  public TracingSettings {
    resourceAttributes = Map.copyOf(resourceAttributes);
  }

  public boolean enabled() {
    return !otlpEndpoint.isEmpty();
  }

  @Override
  public String toString() {
    return enabled() ? "otlp " + otlpEndpoint + " ratio " + sampleRatio : "off";
  }
}
