package io.treeline.serving.metrics;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/** What every metric shares: a validated name, help text and label names, and its HELP and TYPE lines. */
abstract class Metric {
  private static final Pattern METRIC_NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
  private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");

  final String name;
  final String help;
  final List<String> labelNames;

  Metric(String name, String help, List<String> labelNames) {
    if (name == null || !METRIC_NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("Invalid metric name '" + name + "': it must match " + METRIC_NAME);
    }
    if (help == null) {
      throw new IllegalArgumentException("Metric '" + name + "' needs a help text");
    }
    Set<String> seen = new HashSet<>();
    for (String label : labelNames) {
      if (label == null || !LABEL_NAME.matcher(label).matches()) {
        throw new IllegalArgumentException("Invalid label name '" + label + "' of metric '" + name + "': it must match " + LABEL_NAME);
      }
      if (label.startsWith("__")) {
        throw new IllegalArgumentException("Label name '" + label + "' of metric '" + name + "' is reserved: names starting with __ belong to Prometheus");
      }
      if (!seen.add(label)) {
        throw new IllegalArgumentException("Metric '" + name + "' declares label '" + label + "' twice");
      }
    }
    this.name = name;
    this.help = help;
    this.labelNames = List.copyOf(labelNames);
  }

  abstract String type();

  /** Its own name and those of its samples, which no other metric may expose. */
  List<String> names() {
    return List.of(name);
  }

  abstract void writeSamples(StringBuilder out);

  final void writeTo(StringBuilder out) {
    out.append("# HELP ").append(name).append(' ').append(TextFormat.escapeHelp(help)).append('\n');
    out.append("# TYPE ").append(name).append(' ').append(type()).append('\n');
    writeSamples(out);
  }

  /** Orders series by their label values, so that each scrape lists them alike, whichever came first. */
  static int compareLabelValues(List<String> a, List<String> b) {
    for (int i = 0; i < a.size(); i++) {
      int order = a.get(i).compareTo(b.get(i));
      if (order != 0) {
        return order;
      }
    }
    return 0;
  }
}
