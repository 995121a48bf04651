package io.treeline.serving.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class GaugeTest {
  private final MetricsRegistry registry = new MetricsRegistry();

  @Test
  void scrapesSetAndMovedValues() {
    Gauge inFlight = registry.gauge("treeline_requests_in_flight", "Requests being answered.");
    Gauge version = registry.gauge("treeline_model_version", "Version of the loaded model.", "model");
    inFlight.inc();
    inFlight.inc();
    inFlight.dec();
    version.labels("flights").set(7);
    version.labels("churn").set(0.5);
    version.labels("churn").inc(-1.75);

    assertThat(registry.scrape()).isEqualTo("""
        # HELP treeline_requests_in_flight Requests being answered.
        # TYPE treeline_requests_in_flight gauge
        treeline_requests_in_flight 1
        # HELP treeline_model_version Version of the loaded model.
        # TYPE treeline_model_version gauge
        treeline_model_version{model="churn"} -1.25
        treeline_model_version{model="flights"} 7
        """);
  }

  @Test
  void rendersNonFiniteValuesAsPrometheusSpellsThem() {
    Gauge gauge = registry.gauge("g", "G.", "kind");
    gauge.labels("nan").set(Double.NaN);
    gauge.labels("neg").set(Double.NEGATIVE_INFINITY);
    gauge.labels("pos").set(Double.POSITIVE_INFINITY);

    assertThat(registry.scrape()).endsWith("""
        g{kind="nan"} NaN
        g{kind="neg"} -Inf
        g{kind="pos"} +Inf
        """);
  }

  @Test
  void concurrentMovesBalanceOut() {
    Gauge inFlight = registry.gauge("in_flight", "In flight.");
    IntStream.range(0, 200_000).parallel().forEach(i -> {
      inFlight.inc();
      inFlight.labels().inc(0.5);
      inFlight.dec();
    });
    assertThat(inFlight.labels().get()).isEqualTo(100_000);
  }

  @Test
  void computedGaugeIsReadAtEachScrape() {
    double[] staleness = {12};
    registry.computedGauge("treeline_feature_staleness_seconds", "Age of the newest features.", () -> staleness[0]);

    assertThat(registry.scrape()).isEqualTo("""
        # HELP treeline_feature_staleness_seconds Age of the newest features.
        # TYPE treeline_feature_staleness_seconds gauge
        treeline_feature_staleness_seconds 12
        """);
    staleness[0] = 42.5;
    assertThat(registry.scrape()).endsWith("treeline_feature_staleness_seconds 42.5\n");
  }

  @Test
  void labeledComputedGaugeRendersEachSeriesSorted() {
    registry.computedGauge("feature_staleness_seconds", "Age per table.", List.of("table"),
        () -> Map.of(List.of("weather"), 600.0, List.of("airports"), 30.0));

    assertThat(registry.scrape()).endsWith("""
        feature_staleness_seconds{table="airports"} 30
        feature_staleness_seconds{table="weather"} 600
        """);
  }

  @Test
  void failingComputedGaugeLeavesOutOnlyItsOwnSeries() {
    // One key has a value too many: the whole metric is left out rather than half of it.
    registry.computedGauge("broken", "Broken.", List.of("table"), () -> Map.of(List.of("a"), 1.0, List.of("b", "c"), 2.0));
    registry.computedGauge("failing", "Failing.", () -> {
      throw new IllegalStateException("feature store unreachable");
    });
    registry.gauge("fine", "Fine.").set(1);

    assertThat(registry.scrape()).isEqualTo("""
        # HELP broken Broken.
        # TYPE broken gauge
        # HELP failing Failing.
        # TYPE failing gauge
        # HELP fine Fine.
        # TYPE fine gauge
        fine 1
        """);
  }
}
