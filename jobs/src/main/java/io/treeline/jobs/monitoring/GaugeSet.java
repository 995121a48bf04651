package io.treeline.jobs.monitoring;

import java.io.IOException;

/**
 * Gauges a job computes itself (not its outcome, which {@link JobMetrics} pushes) sent to the
 * Pushgateway as one group that replaces the previous push of the same grouping key.
 */
public final class GaugeSet {
  private final MetricsText metrics = new MetricsText();

  /** {@code labels} alternate names and values. */
  public GaugeSet gauge(String name, String help, double value, String... labels) {
    metrics.gauge(name, help, value, labels);
    return this;
  }

  public boolean isEmpty() {
    return metrics.isEmpty();
  }

  /** Replaces the group of the job label, {@code groupLabels} (alternating names and values) and the instance. */
  public void replace(Pushgateway gateway, String... groupLabels) throws IOException {
    gateway.replace(gateway.group(groupLabels), metrics);
  }
}
