package io.treeline.jobs.monitoring;

import java.util.LinkedHashMap;
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
    Family family = families.computeIfAbsent(name, n -> new Family("# HELP " + n + " " + help.replace("\\", "\\\\").replace("\n", "\\n") + "\n"
        + "# TYPE " + n + " " + type + "\n", new LinkedHashMap<>()));
    StringBuilder series = new StringBuilder(name);
    if (labels.length > 0) {
      series.append('{');
      for (int i = 0; i < labels.length; i += 2) {
        series.append(i == 0 ? "" : ",").append(labels[i]).append("=\"")
            .append(labels[i + 1].replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n")).append('"');
      }
      series.append('}');
    }
    family.samples().put(series.toString(), number(value));
    return this;
  }

  boolean isEmpty() {
    return families.isEmpty();
  }

  private static String number(double value) {
    if (Double.isNaN(value)) {
      return "NaN";
    }
    if (Double.isInfinite(value)) {
      return value > 0 ? "+Inf" : "-Inf";
    }
    return value == Math.rint(value) && Math.abs(value) < 1e15 ? Long.toString((long) value) : Double.toString(value);
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
