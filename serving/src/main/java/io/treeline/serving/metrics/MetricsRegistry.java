package io.treeline.serving.metrics;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.DoubleSupplier;
import java.util.function.Supplier;

/**
 * The metrics of one server, rendered in registration order in the Prometheus text exposition format
 * 0.0.4 for GET /metrics.
 *
 * <p>Metrics are registered once, at startup, and then recorded into on every request without locks;
 * registering is synchronized because it is rare, scraping reads a copy-on-write list.
 */
public final class MetricsRegistry {
  /** The Content-Type of a scrape. */
  public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private final List<Metric> metrics = new CopyOnWriteArrayList<>();
  // Metric and series names to the metric claiming them: a histogram's h_sum must not meet a gauge called h_sum.
  private final Map<String, String> names = new HashMap<>();

  /** A counter; by convention {@code name} ends in {@code _total}. */
  public Counter counter(String name, String help, String... labelNames) {
    return register(new Counter(name, help, labels(labelNames)));
  }

  /** A gauge set or moved by the caller. */
  public Gauge gauge(String name, String help, String... labelNames) {
    return register(new Gauge(name, help, labels(labelNames)));
  }

  /** A gauge without labels whose value is computed at each scrape, such as the age of the features in seconds. */
  public void computedGauge(String name, String help, DoubleSupplier value) {
    if (value == null) {
      throw new IllegalArgumentException("Metric '" + name + "' needs a function that computes its value");
    }
    register(new ComputedGauge(name, help, List.of(), () -> Map.of(List.of(), value.getAsDouble())));
  }

  /**
   * A gauge whose series are computed at each scrape: {@code series} maps label values, in the order of
   * {@code labelNames}, to the value. If it throws, that scrape leaves this metric's series out.
   */
  public void computedGauge(String name, String help, List<String> labelNames, Supplier<Map<List<String>, Double>> series) {
    register(new ComputedGauge(name, help, labelNames == null ? List.of() : labelNames, series));
  }

  /** A histogram with buckets for request latencies in seconds, from 0.0001 to 10. */
  public Histogram histogram(String name, String help, String... labelNames) {
    return histogram(name, help, Histogram.LATENCY_SECONDS, labelNames);
  }

  /** A histogram with these upper bucket bounds, increasing; the +Inf bucket is always added. */
  public Histogram histogram(String name, String help, double[] buckets, String... labelNames) {
    return register(Histogram.create(name, help, labels(labelNames), buckets));
  }

  /** Every metric in the text exposition format, in the order they were registered. */
  public String scrape() {
    StringBuilder out = new StringBuilder(4096);
    writeTo(out);
    return out.toString();
  }

  /** Appends what {@link #scrape()} returns, for a caller that reuses its buffer. */
  public void writeTo(StringBuilder out) {
    for (Metric metric : metrics) {
      metric.writeTo(out);
    }
  }

  private synchronized <M extends Metric> M register(M metric) {
    for (String name : metric.names()) {
      String owner = names.get(name);
      if (owner != null) {
        throw new IllegalArgumentException(owner.equals(metric.name)
            ? "Metric '" + metric.name + "' is already registered"
            : "Metric '" + metric.name + "' would expose '" + name + "', which metric '" + owner + "' already exposes");
      }
    }
    for (String name : metric.names()) {
      names.put(name, metric.name);
    }
    metrics.add(metric);
    return metric;
  }

  // Metric validates the names and copies the list; Arrays.asList lets a null name reach that message.
  private static List<String> labels(String... labelNames) {
    return labelNames == null ? List.of() : Arrays.asList(labelNames);
  }
}
