package io.treeline.serving.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MetricsRegistryTest {
  private final MetricsRegistry registry = new MetricsRegistry();

  @Test
  void scrapesMetricsInRegistrationOrder() {
    registry.gauge("b_gauge", "Second in the alphabet, first registered.").set(1);
    registry.counter("a_total", "First in the alphabet.").inc();

    assertThat(registry.scrape()).isEqualTo("""
        # HELP b_gauge Second in the alphabet, first registered.
        # TYPE b_gauge gauge
        b_gauge 1
        # HELP a_total First in the alphabet.
        # TYPE a_total counter
        a_total 1
        """);
    StringBuilder out = new StringBuilder("before\n");
    registry.writeTo(out);
    assertThat(out.toString()).isEqualTo("before\n" + registry.scrape());
    assertThat(MetricsRegistry.CONTENT_TYPE).isEqualTo("text/plain; version=0.0.4; charset=utf-8");
  }

  @Test
  void escapesHelpAndLabelValues() {
    registry.counter("odd_total", "Help with a \\ backslash,\na newline and \"quotes\".", "path")
        .labels("C:\\models\\\"v2\"\nnext").inc();

    // Help keeps its quotes, label values escape them; both escape backslashes and newlines.
    assertThat(registry.scrape()).isEqualTo("""
        # HELP odd_total Help with a \\\\ backslash,\\na newline and "quotes".
        # TYPE odd_total counter
        odd_total{path="C:\\\\models\\\\\\"v2\\"\\nnext"} 1
        """);
  }

  @Test
  void refusesInvalidMetricNames() {
    for (String name : new String[] {"", "1requests", "requests-total", "requests total", "réponses"}) {
      assertThatThrownBy(() -> registry.counter(name, "Help."))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("Invalid metric name '" + name + "': it must match [a-zA-Z_:][a-zA-Z0-9_:]*");
    }
    assertThatThrownBy(() -> registry.gauge(null, "Help."))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Invalid metric name 'null': it must match [a-zA-Z_:][a-zA-Z0-9_:]*");
    assertThat(registry.gauge("job:requests:rate5m", "Colons are valid in metric names.")).isNotNull();
  }

  @Test
  void refusesInvalidLabelNames() {
    for (String label : new String[] {"", "1st", "model:name", "model-name"}) {
      assertThatThrownBy(() -> registry.counter("requests_total", "Help.", label))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("Invalid label name '" + label + "' of metric 'requests_total': it must match [a-zA-Z_][a-zA-Z0-9_]*");
    }
    assertThatThrownBy(() -> registry.histogram("latency_seconds", "Help.", "model", null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Invalid label name 'null' of metric 'latency_seconds': it must match [a-zA-Z_][a-zA-Z0-9_]*");
    assertThatThrownBy(() -> registry.gauge("g", "Help.", "__name"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Label name '__name' of metric 'g' is reserved: names starting with __ belong to Prometheus");
    assertThatThrownBy(() -> registry.computedGauge("g", "Help.", List.of("table", "table"), Map::of))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Metric 'g' declares label 'table' twice");
    assertThatThrownBy(() -> registry.counter("c_total", null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Metric 'c_total' needs a help text");
    // None of the refused metrics was registered.
    assertThat(registry.scrape()).isEmpty();
  }

  @Test
  void refusesDuplicateNames() {
    registry.counter("requests_total", "Requests.", "status");
    registry.histogram("latency_seconds", "Latency.");

    assertThatThrownBy(() -> registry.counter("requests_total", "Requests again.", "status"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Metric 'requests_total' is already registered");
    assertThatThrownBy(() -> registry.computedGauge("latency_seconds", "Latency.", () -> 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Metric 'latency_seconds' is already registered");
    assertThatThrownBy(() -> registry.gauge("latency_seconds_count", "Clashes with the histogram's count."))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Metric 'latency_seconds_count' would expose 'latency_seconds_count', which metric 'latency_seconds' already exposes");
    registry.gauge("queue_sum", "Registered before the histogram it clashes with.");
    assertThatThrownBy(() -> registry.histogram("queue", "Queue.", new double[] {1}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Metric 'queue' would expose 'queue_sum', which metric 'queue_sum' already exposes");
    assertThat(registry.scrape()).startsWith("# HELP requests_total Requests.\n");
  }
}
