package io.treeline.serving.metrics;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/**
 * Observations counted into fixed buckets, such as request latencies in seconds, from which Prometheus
 * estimates quantiles with histogram_quantile().
 */
public final class Histogram extends LabeledMetric<Histogram.Child> {
  /** From 100 µs, a fast in-memory prediction, to 10 s, a request stuck behind a slow feature lookup. */
  static final double[] LATENCY_SECONDS = {
      0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

  // Rendered once: the le values are the same for every series and every scrape.
  private final String[] les;

  static Histogram create(String name, String help, List<String> labelNames, double[] buckets) {
    return new Histogram(name, help, labelNames, bounds(name, buckets));
  }

  private Histogram(String name, String help, List<String> labelNames, double[] bounds) {
    super(name, help, labelNames, labels -> new Child(bounds, labels));
    if (labelNames.contains("le")) {
      throw new IllegalArgumentException("Histogram '" + name + "' cannot take label 'le', which holds its bucket bounds");
    }
    this.les = new String[bounds.length + 1];
    for (int i = 0; i < bounds.length; i++) {
      les[i] = TextFormat.number(bounds[i]);
    }
    les[bounds.length] = "+Inf";
  }

  /** The upper bounds without +Inf, which every histogram has; a trailing +Inf is accepted and dropped. */
  private static double[] bounds(String name, double[] buckets) {
    if (buckets == null) {
      throw new IllegalArgumentException("Histogram '" + name + "' needs bucket bounds");
    }
    int length = buckets.length > 0 && buckets[buckets.length - 1] == Double.POSITIVE_INFINITY ? buckets.length - 1 : buckets.length;
    double[] bounds = Arrays.copyOf(buckets, length);
    for (int i = 0; i < bounds.length; i++) {
      if (!Double.isFinite(bounds[i]) || i > 0 && bounds[i] <= bounds[i - 1]) {
        throw new IllegalArgumentException("Histogram '" + name + "' needs finite bucket bounds in increasing order, got " + Arrays.toString(buckets));
      }
    }
    return bounds;
  }

  /** The series of these label values, in the order the labels were declared; keep it to skip the lookup. */
  public Child labels(String... values) {
    return child(values);
  }

  /** Records one observation on a histogram without labels. */
  public void observe(double value) {
    unlabeled().observe(value);
  }

  /** Records a duration measured with System.nanoTime() on a histogram without labels, in seconds. */
  public void observeNanos(long nanos) {
    unlabeled().observeNanos(nanos);
  }

  @Override
  String type() {
    return "histogram";
  }

  @Override
  List<String> names() {
    return List.of(name, name + "_bucket", name + "_sum", name + "_count");
  }

  @Override
  void writeChild(StringBuilder out, Child child) {
    String separator = child.labels.isEmpty() ? "" : ",";
    long cumulative = 0;
    for (int i = 0; i < les.length; i++) {
      cumulative += child.buckets[i].sum();
      out.append(name).append("_bucket{").append(child.labels).append(separator)
          .append("le=\"").append(les[i]).append("\"} ").append(cumulative).append('\n');
    }
    TextFormat.sample(out, name + "_sum", child.labels, child.sum.sum());
    // The count is the +Inf bucket itself, so the two agree even while requests are being recorded.
    TextFormat.sample(out, name + "_count", child.labels, cumulative);
  }

  /** One series of the histogram. */
  public static final class Child {
    private final double[] bounds;
    // Per bucket, not cumulative: an observation touches one adder. LongAdders rather than an AtomicLongArray
    // because the fast buckets take most requests, and contended CAS retries on one slot would serialize them.
    private final LongAdder[] buckets;
    private final DoubleAdder sum = new DoubleAdder();
    private final String labels;

    private Child(double[] bounds, String labels) {
      this.bounds = bounds;
      this.labels = labels;
      this.buckets = new LongAdder[bounds.length + 1];
      for (int i = 0; i < buckets.length; i++) {
        buckets[i] = new LongAdder();
      }
    }

    /** Records {@code value}; NaN is refused, since it would turn the sum into NaN for good. */
    public void observe(double value) {
      if (Double.isNaN(value)) {
        throw new IllegalArgumentException("A histogram cannot observe NaN");
      }
      // le is inclusive: a value equal to a bound belongs to that bound's bucket, which binarySearch finds.
      int found = Arrays.binarySearch(bounds, value);
      buckets[found >= 0 ? found : -found - 1].increment();
      sum.add(value);
    }

    /** Records a duration measured with System.nanoTime(), in seconds. */
    public void observeNanos(long nanos) {
      observe(nanos / 1e9);
    }

    /** How many observations were recorded. */
    public long count() {
      long count = 0;
      for (LongAdder bucket : buckets) {
        count += bucket.sum();
      }
      return count;
    }

    /** The sum of all observations. */
    public double sum() {
      return sum.sum();
    }
  }
}
