package io.treeline.serving.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class CounterTest {
  private final MetricsRegistry registry = new MetricsRegistry();

  @Test
  void scrapesOneSeriesPerLabelValuesSortedByThem() {
    Counter requests = registry.counter("treeline_requests_total", "Prediction requests served.", "model", "status");
    requests.labels("flights", "500").inc();
    requests.labels("flights", "200").inc();
    requests.labels("flights", "200").inc(2.5);

    assertThat(registry.scrape()).isEqualTo("""
        # HELP treeline_requests_total Prediction requests served.
        # TYPE treeline_requests_total counter
        treeline_requests_total{model="flights",status="200"} 3.5
        treeline_requests_total{model="flights",status="500"} 1
        """);
  }

  @Test
  void counterWithoutLabelsShowsZeroBeforeItsFirstIncrement() {
    Counter reloads = registry.counter("treeline_model_reloads_total", "Models loaded since start.");
    assertThat(registry.scrape()).endsWith("treeline_model_reloads_total 0\n");

    reloads.inc();
    reloads.inc(2);
    assertThat(registry.scrape()).endsWith("treeline_model_reloads_total 3\n");
  }

  @Test
  void labeledCounterShowsNoSeriesUntilOneIsRecorded() {
    registry.counter("treeline_errors_total", "Failed requests.", "reason");

    assertThat(registry.scrape()).isEqualTo("""
        # HELP treeline_errors_total Failed requests.
        # TYPE treeline_errors_total counter
        """);
  }

  @Test
  void sameLabelValuesGiveTheSameSeries() {
    Counter requests = registry.counter("requests_total", "Requests.", "status");
    assertThat(requests.labels("200")).isSameAs(requests.labels("200")).isNotSameAs(requests.labels("404"));
  }

  @Test
  void refusesToGoDown() {
    Counter requests = registry.counter("requests_total", "Requests.");
    assertThatThrownBy(() -> requests.inc(-1)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("A counter only goes up, got an increment of -1.0");
    assertThatThrownBy(() -> requests.inc(Double.NaN)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("A counter only goes up, got an increment of NaN");
  }

  @Test
  void wrongNumberOfLabelValuesNamesTheMetricAndItsLabels() {
    Counter requests = registry.counter("requests_total", "Requests.", "model", "status");

    assertThatThrownBy(() -> requests.labels("flights")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Metric 'requests_total' takes labels [model, status], got 1 value(s): [flights]");
    assertThatThrownBy(() -> requests.labels("flights", "200", "extra")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Metric 'requests_total' takes labels [model, status], got 3 value(s): [flights, 200, extra]");
    assertThatThrownBy(() -> requests.labels("flights", null)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Metric 'requests_total' takes labels [model, status], got a null value: [flights, null]");
    assertThatThrownBy(requests::inc).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Metric 'requests_total' takes labels [model, status]; record through labels(...)");
  }

  @Test
  void unlabeledCounterRefusesLabelValues() {
    Counter reloads = registry.counter("reloads_total", "Reloads.");
    assertThatThrownBy(() -> reloads.labels("x")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Metric 'reloads_total' takes labels [], got 1 value(s): [x]");
  }

  @Test
  void concurrentIncrementsAllCount() throws Exception {
    Counter requests = registry.counter("requests_total", "Requests.", "status");
    int threads = 8;
    int perThread = 100_000;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        String status = t % 2 == 0 ? "200" : "500";
        done.add(pool.submit(() -> {
          start.await();
          for (int i = 0; i < perThread; i++) {
            // Looked up on every increment, as a request handler does, so series creation races too.
            requests.labels(status).inc();
          }
          return null;
        }));
      }
      start.countDown();
      for (Future<?> future : done) {
        future.get();
      }
    } finally {
      pool.shutdownNow();
    }

    assertThat(requests.labels("200").get()).isEqualTo(threads / 2 * perThread);
    assertThat(requests.labels("500").get()).isEqualTo(threads / 2 * perThread);
    assertThat(registry.scrape()).contains("requests_total{status=\"200\"} 400000\n", "requests_total{status=\"500\"} 400000\n");
  }
}
