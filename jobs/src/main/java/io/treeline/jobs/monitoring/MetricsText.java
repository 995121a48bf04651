package io.treeline.jobs.monitoring;

import io.treeline.serving.metrics.TextFormat;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small body in the Prometheus text exposition format 0.0.4, for a push: a family's HELP and TYPE
 * lines once, then its samples. (Serving's metrics registry records concurrent requests; a push is
 * built once from finished figures, which this is enough for.)
 */
final class MetricsText {
  private record Family(String header, Map<String, String> samples) {}

  private final Map<String, Family> families = new LinkedHashMap<>();

  MetricsText gauge(String name, String help, double value, String... labels) {
    return sample("gauge", name, help, value, labels);
  }

  MetricsText counter(String name, String help, double value, String... labels) {
    return sample("counter", name, help, value, labels);
  }

  /** {@code labels} alternate names and values; a series given twice keeps the last value (a push refuses duplicates). */
  private MetricsText sample(String type, String name, String help, double value, String... labels) {
    Family family = families.computeIfAbsent(name, n -> new Family("# HELP " + n + " " + TextFormat.escapeHelp(help) + "\n"
        + "# TYPE " + n + " " + type + "\n", new LinkedHashMap<>()));
    List<String> names = new ArrayList<>();
    List<String> values = new ArrayList<>();
    for (int i = 0; i < labels.length; i += 2) {
      names.add(labels[i]);
      values.add(labels[i + 1]);
    }
    String series = names.isEmpty() ? name : name + "{" + TextFormat.labels(names, values) + "}";
    family.samples().put(series, TextFormat.number(value));
    return this;
  }

  boolean isEmpty() {
    return families.isEmpty();
  }

  @Override
  public String toString() {
    StringBuilder out = new StringBuilder();
    for (Family family : families.values()) {
      out.append(family.header());
      family.samples().forEach((series, value) -> out.append(series).append(' ').append(value).append('\n'));
    }
    return out.toString();
  }
}
