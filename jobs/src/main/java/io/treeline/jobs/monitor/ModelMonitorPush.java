package io.treeline.jobs.monitor;

import io.treeline.core.config.TreelineConfig;
import io.treeline.jobs.monitoring.GaugeSet;
import io.treeline.jobs.monitoring.Pushgateway;
import io.treeline.jobs.monitoring.PushgatewaySettings;
import java.time.LocalDateTime;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The monitor's latest figures as gauges on the Pushgateway (when monitoring.pushgateway.url is set),
 * one group per model, for the alert rules in conf/monitoring/alerts.yml: each version's figures of
 * the last period that has them, beside the threshold they are held to.
 */
final class ModelMonitorPush {
  private ModelMonitorPush() {}

  static void push(TreelineConfig config, String model, List<MonitorModel.VersionFigures> found, Consumer<String> warn) {
    Optional<PushgatewaySettings> settings = PushgatewaySettings.from(config);
    if (settings.isEmpty()) {
      return;
    }
    GaugeSet gauges = new GaugeSet();
    for (MonitorModel.VersionFigures figures : found) {
      String version = Long.toString(figures.version());
      for (MonitorFigure f : latest(figures.drift())) {
        if (f.metric().equals("psi")) {
          gauges.gauge("treeline_monitor_drift_psi", "Population stability index of a model input against the training set, last monitored period.",
              f.value(), "model", model, "version", version, "feature", f.feature());
          if (f.threshold() != null) {
            gauges.gauge("treeline_monitor_drift_psi_threshold", "The PSI above which treeline monitor flags the input.", f.threshold(),
                "model", model, "version", version, "feature", f.feature());
          }
        } else if (f.metric().equals("js_distance")) {
          gauges.gauge("treeline_monitor_drift_js_distance", "Jensen-Shannon distance of a model input against the training set, last monitored period.",
              f.value(), "model", model, "version", version, "feature", f.feature());
        }
      }
      for (MonitorFigure f : latest(figures.skew())) {
        if (f.metric().equals("mismatch_share") && SkewCheck.ALL_FEATURES.equals(f.feature())) {
          gauges.gauge("treeline_monitor_skew_mismatch_share", "Share of logged requests whose looked-up features differ from the offline point-in-time values, per view.",
              f.value(), "model", model, "version", version, "view", f.view());
          gauges.gauge("treeline_monitor_skew_threshold", "The mismatch share above which treeline monitor flags the view.", f.threshold(),
              "model", model, "version", version, "view", f.view());
        }
      }
      for (MonitorFigure f : latest(figures.quality())) {
        if (f.metric().equals("auc")) {
          gauges.gauge("treeline_monitor_live_auc", "AUC of the logged predictions against their labels, last labelled period.", f.value(),
              "model", model, "version", version);
        } else if (f.metric().equals("test_auc")) {
          gauges.gauge("treeline_monitor_test_auc", "The version's AUC on its test split at training.", f.value(), "model", model, "version", version);
        }
      }
      gauges.gauge("treeline_monitor_last_run_timestamp_seconds", "When treeline monitor last computed the figures of the version.",
          System.currentTimeMillis() / 1000.0, "model", model, "version", version);
    }
    Pushgateway gateway = new Pushgateway(settings.get());
    try {
      gauges.replace(gateway, "command", "monitor", "model", model);
    } catch (java.io.IOException | RuntimeException e) {
      warn.accept("Cannot push the monitoring figures of " + model + " to the Pushgateway at " + settings.get().url() + ": " + e.getMessage()
          + ". The tables and the report are written; check monitoring.pushgateway.url.");
    }
  }

  /** The figures of the last period that has any. */
  private static List<MonitorFigure> latest(List<MonitorFigure> figures) {
    Optional<LocalDateTime> last = figures.stream().map(MonitorFigure::periodStart).max(Comparator.naturalOrder());
    return last.map(p -> figures.stream().filter(f -> f.periodStart().equals(p)).toList()).orElse(List.of());
  }
}
