package io.treeline.serving.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class HistogramTest {
  private final MetricsRegistry registry = new MetricsRegistry();

  @Test
  void scrapesCumulativeBucketsSumAndCountPerSeries() {
    Histogram latency = registry.histogram("treeline_request_seconds", "Time to answer a request.",
        new double[] {0.25, 0.5, 1}, "route");
    Histogram.Child predict = latency.labels("/predict");
    predict.observe(0.125);
    predict.observe(0.25); // le is inclusive: counted in the 0.25 bucket
    predict.observe(0.375);
    predict.observe(2);
    latency.labels("/health").observe(0.5);

    assertThat(registry.scrape()).isEqualTo("""
        # HELP treeline_request_seconds Time to answer a request.
        # TYPE treeline_request_seconds histogram
        treeline_request_seconds_bucket{route="/health",le="0.25"} 0
        treeline_request_seconds_bucket{route="/health",le="0.5"} 1
        treeline_request_seconds_bucket{route="/health",le="1"} 1
        treeline_request_seconds_bucket{route="/health",le="+Inf"} 1
        treeline_request_seconds_sum{route="/health"} 0.5
        treeline_request_seconds_count{route="/health"} 1
        treeline_request_seconds_bucket{route="/predict",le="0.25"} 2
        treeline_request_seconds_bucket{route="/predict",le="0.5"} 3
        treeline_request_seconds_bucket{route="/predict",le="1"} 3
        treeline_request_seconds_bucket{route="/predict",le="+Inf"} 4
        treeline_request_seconds_sum{route="/predict"} 2.75
        treeline_request_seconds_count{route="/predict"} 4
        """);
    assertThat(predict.count()).isEqualTo(4);
    assertThat(predict.sum()).isEqualTo(2.75);
  }

  @Test
  void defaultBucketsSuitRequestLatencies() {
    Histogram latency = registry.histogram("latency_seconds", "Latency.");
    latency.observeNanos(1_500_000);

    assertThat(registry.scrape()).isEqualTo("""
        # HELP latency_seconds Latency.
        # TYPE latency_seconds histogram
        latency_seconds_bucket{le="0.0001"} 0
        latency_seconds_bucket{le="0.00025"} 0
        latency_seconds_bucket{le="0.0005"} 0
        latency_seconds_bucket{le="0.001"} 0
        latency_seconds_bucket{le="0.0025"} 1
        latency_seconds_bucket{le="0.005"} 1
        latency_seconds_bucket{le="0.01"} 1
        latency_seconds_bucket{le="0.025"} 1
        latency_seconds_bucket{le="0.05"} 1
        latency_seconds_bucket{le="0.1"} 1
        latency_seconds_bucket{le="0.25"} 1
        latency_seconds_bucket{le="0.5"} 1
        latency_seconds_bucket{le="1"} 1
        latency_seconds_bucket{le="2.5"} 1
        latency_seconds_bucket{le="5"} 1
        latency_seconds_bucket{le="10"} 1
        latency_seconds_bucket{le="+Inf"} 1
        latency_seconds_sum 0.0015
        latency_seconds_count 1
        """);
  }

  @Test
  void trailingInfinityBoundIsTheImplicitOne() {
    Histogram sizes = registry.histogram("batch_rows", "Rows per batch.", new double[] {10, Double.POSITIVE_INFINITY});
    sizes.observe(-3);
    sizes.observe(1e6);

    assertThat(registry.scrape()).endsWith("""
        batch_rows_bucket{le="10"} 1
        batch_rows_bucket{le="+Inf"} 2
        batch_rows_sum 999997
        batch_rows_count 2
        """);
  }

  @Test
  void refusesBoundsOutOfOrderOrNotFinite() {
    assertThatThrownBy(() -> registry.histogram("h", "H.", new double[] {1, 1}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Histogram 'h' needs finite bucket bounds in increasing order, got [1.0, 1.0]");
    assertThatThrownBy(() -> registry.histogram("h", "H.", new double[] {Double.NaN}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Histogram 'h' needs finite bucket bounds in increasing order, got [NaN]");
  }

  @Test
  void refusesTheLeLabelAndNaNObservations() {
    assertThatThrownBy(() -> registry.histogram("h", "H.", "le")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Histogram 'h' cannot take label 'le', which holds its bucket bounds");
    Histogram histogram = registry.histogram("h", "H.");
    assertThatThrownBy(() -> histogram.observe(Double.NaN)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("A histogram cannot observe NaN");
    assertThatThrownBy(() -> histogram.labels("x")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Metric 'h' takes labels [], got 1 value(s): [x]");
  }

  @Test
  void concurrentObservationsAllCount() {
    Histogram latency = registry.histogram("latency_seconds", "Latency.", new double[] {0.5}, "route");
    IntStream.range(0, 400_000).parallel().forEach(i -> latency.labels("/predict").observe(i % 2 == 0 ? 0.25 : 1));

    assertThat(registry.scrape()).endsWith("""
        latency_seconds_bucket{route="/predict",le="0.5"} 200000
        latency_seconds_bucket{route="/predict",le="+Inf"} 400000
        latency_seconds_sum{route="/predict"} 250000
        latency_seconds_count{route="/predict"} 400000
        """);
  }
}
