package io.treeline.serving.metrics;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * A metric with one child per combination of label values. Children are created once and cached, so
 * recording on a request costs a hash lookup and an adder, never a lock.
 */
abstract class LabeledMetric<C> extends Metric {
  private final ConcurrentHashMap<List<String>, C> children = new ConcurrentHashMap<>();
  private final Function<String, C> newChild;
  private final C unlabeled;

  /**
   * {@code newChild} receives the child's rendered label pairs, which it keeps so that scrapes need not
   * escape them again; it must not touch this metric, which is not fully built when it first runs.
   */
  LabeledMetric(String name, String help, List<String> labelNames, Function<String, C> newChild) {
    super(name, help, labelNames);
    this.newChild = newChild;
    // A metric without labels shows 0 from the first scrape, so rate() has a starting point.
    this.unlabeled = labelNames.isEmpty() ? child() : null;
  }

  final C child(String... values) {
    if (values == null || values.length != labelNames.size()) {
      int got = values == null ? 0 : values.length;
      throw new IllegalArgumentException("Metric '" + name + "' takes labels " + labelNames + ", got " + got
          + " value(s): " + (values == null ? "[]" : Arrays.toString(values)));
    }
    for (String value : values) {
      if (value == null) {
        throw new IllegalArgumentException("Metric '" + name + "' takes labels " + labelNames + ", got a null value: " + Arrays.toString(values));
      }
    }
    // A view of the caller's fresh array for the lookup (a copy per request added up); the kept key is a copy of its own.
    C child = children.get(Arrays.asList(values));
    return child != null ? child : children.computeIfAbsent(List.of(values), this::create);
  }

  private C create(List<String> values) {
    return newChild.apply(TextFormat.labels(labelNames, values));
  }

  /** The only child of a metric without labels. */
  final C unlabeled() {
    if (unlabeled == null) {
      throw new IllegalArgumentException("Metric '" + name + "' takes labels " + labelNames + "; record through labels(...)");
    }
    return unlabeled;
  }

  abstract void writeChild(StringBuilder out, C child);

  @Override
  final void writeSamples(StringBuilder out) {
    List<Map.Entry<List<String>, C>> entries = new ArrayList<>(children.entrySet());
    entries.sort(Map.Entry.comparingByKey(Metric::compareLabelValues));
    for (Map.Entry<List<String>, C> entry : entries) {
      writeChild(out, entry.getValue());
    }
  }
}
