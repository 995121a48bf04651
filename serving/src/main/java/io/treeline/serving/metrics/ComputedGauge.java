package io.treeline.serving.metrics;

import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * A gauge whose series are computed when scraped, for values that are cheaper to derive than to keep
 * current, such as how many seconds old the features are.
 */
final class ComputedGauge extends Metric {
  private static final System.Logger LOG = System.getLogger(ComputedGauge.class.getName());

  private final Supplier<Map<List<String>, Double>> series;

  ComputedGauge(String name, String help, List<String> labelNames, Supplier<Map<List<String>, Double>> series) {
    super(name, help, labelNames);
    if (series == null) {
      throw new IllegalArgumentException("Metric '" + name + "' needs a function that computes its value");
    }
    this.series = series;
  }

  @Override
  String type() {
    return "gauge";
  }

  @Override
  void writeSamples(StringBuilder out) {
    // Rendered aside first: one failing source drops its own series, not the whole scrape, and never half of them.
    StringBuilder samples = new StringBuilder();
    try {
      Map<List<String>, Double> values = series.get();
      List<List<String>> keys = new ArrayList<>(values.keySet());
      for (List<String> key : keys) {
        if (key == null || key.size() != labelNames.size() || key.stream().anyMatch(Objects::isNull)) {
          throw new IllegalArgumentException("Metric '" + name + "' takes labels " + labelNames + ", got values " + key);
        }
      }
      keys.sort(Metric::compareLabelValues);
      for (List<String> key : keys) {
        Double value = values.get(key);
        if (value != null) {
          TextFormat.sample(samples, name, TextFormat.labels(labelNames, key), value);
        }
      }
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "Metric '" + name + "' could not be computed; its series are left out of this scrape", e);
      return;
    }
    out.append(samples);
  }
}
