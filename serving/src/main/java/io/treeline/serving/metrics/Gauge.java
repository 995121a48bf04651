package io.treeline.serving.metrics;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/** A value that goes up and down, such as requests in flight or the loaded model's version. */
public final class Gauge extends LabeledMetric<Gauge.Child> {
  Gauge(String name, String help, List<String> labelNames) {
    super(name, help, labelNames, Child::new);
  }

  /** The series of these label values, in the order the labels were declared; keep it to skip the lookup. */
  public Child labels(String... values) {
    return child(values);
  }

  /** Sets a gauge without labels. */
  public void set(double value) {
    unlabeled().set(value);
  }

  /** Adds one to a gauge without labels. */
  public void inc() {
    unlabeled().inc();
  }

  /** Takes one from a gauge without labels. */
  public void dec() {
    unlabeled().dec();
  }

  @Override
  String type() {
    return "gauge";
  }

  @Override
  void writeChild(StringBuilder out, Child child) {
    TextFormat.sample(out, name, child.labels, child.get());
  }

  /** One series of the gauge. */
  public static final class Child {
    // A gauge is set as well as added to, which an adder cannot do; the double's bits in an AtomicLong can.
    private final AtomicLong bits = new AtomicLong(Double.doubleToRawLongBits(0));
    private final String labels;

    private Child(String labels) {
      this.labels = labels;
    }

    public void set(double value) {
      bits.set(Double.doubleToRawLongBits(value));
    }

    public void inc() {
      inc(1);
    }

    public void dec() {
      inc(-1);
    }

    /** Adds {@code amount}, which may be negative. */
    public void inc(double amount) {
      long current;
      long next;
      do {
        current = bits.get();
        next = Double.doubleToRawLongBits(Double.longBitsToDouble(current) + amount);
      } while (!bits.compareAndSet(current, next));
    }

    public double get() {
      return Double.longBitsToDouble(bits.get());
    }
  }
}
