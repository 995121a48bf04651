package io.treeline.serving.metrics;

import java.util.List;
import java.util.concurrent.atomic.DoubleAdder;

/**
 * A count that only goes up, such as requests served. By convention its name ends in {@code _total};
 * the TYPE line carries that full name, which the 0.0.4 text format accepts.
 */
public final class Counter extends LabeledMetric<Counter.Child> {
  Counter(String name, String help, List<String> labelNames) {
    super(name, help, labelNames, Child::new);
  }

  /** The series of these label values, in the order the labels were declared; keep it to skip the lookup. */
  public Child labels(String... values) {
    return child(values);
  }

  /** Counts one on a counter without labels. */
  public void inc() {
    unlabeled().inc();
  }

  /** Adds to a counter without labels. */
  public void inc(double amount) {
    unlabeled().inc(amount);
  }

  @Override
  String type() {
    return "counter";
  }

  @Override
  void writeChild(StringBuilder out, Child child) {
    TextFormat.sample(out, name, child.labels, child.get());
  }

  /** One series of the counter. */
  public static final class Child {
    // An adder spreads concurrent increments over cells instead of retrying one contended CAS.
    private final DoubleAdder value = new DoubleAdder();
    private final String labels;

    private Child(String labels) {
      this.labels = labels;
    }

    public void inc() {
      value.add(1);
    }

    /** Adds {@code amount}, which must not be negative: a counter that drops reads as a restart to rate(). */
    public void inc(double amount) {
      if (!(amount >= 0)) {
        throw new IllegalArgumentException("A counter only goes up, got an increment of " + amount);
      }
      value.add(amount);
    }

    public double get() {
      return value.sum();
    }
  }
}
