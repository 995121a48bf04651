package io.treeline.jobs.monitoring;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Pushes a batch job's outcome and figures when it ends, grouped by job label, command and instance,
 * so that Prometheus sees a failed run, and a run that did not happen as a last success that grows old.
 */
public final class JobMetrics {
  /** The commands a scheduler runs; interactive ones (sql, describe, serve) push nothing. */
  static final Set<String> PUSHED = Set.of("data fetch", "data load", "features materialize", "features push-online",
      "features training-set", "train", "stream", "replay", "monitor");

  private JobMetrics() {}

  public static boolean pushes(String command) {
    return PUSHED.contains(command);
  }

  /**
   * Pushes what {@code summary} (the --summary-json object) says. A success replaces the command's
   * group; a failure updates only the outcome, keeping the last success's time and figures. A push
   * that fails is a warning, never an error.
   */
  public static void push(Pushgateway gateway, String command, Map<String, Object> summary, long finishedMillis, Consumer<String> warn) {
    boolean succeeded = "succeeded".equals(summary.get("status"));
    double finished = finishedMillis / 1000.0;
    MetricsText metrics = new MetricsText()
        .gauge("treeline_job_last_run_timestamp_seconds", "When the command last finished, in Unix seconds.", finished)
        .gauge("treeline_job_succeeded", "1 if the command's last run succeeded, 0 if it failed.", succeeded ? 1 : 0)
        .gauge("treeline_job_exit_code", "The exit code of the command's last run (0 success, 1 failed, 2 usage or input, 3 conflict).",
            ((Number) summary.get("exit_code")).doubleValue())
        .gauge("treeline_job_duration_seconds", "How long the command's last run took.", ((Number) summary.get("elapsed_seconds")).doubleValue());
    if (succeeded) {
      metrics.gauge("treeline_job_last_success_timestamp_seconds", "When the command last succeeded, in Unix seconds.", finished);
      Object result = summary.get("result");
      if (result != null) {
        outputs(metrics, result);
      }
    }
    try {
      if (succeeded) {
        gateway.replace(gateway.group("command", command), metrics);
      } else {
        gateway.update(gateway.group("command", command), metrics);
      }
    } catch (IOException | RuntimeException e) {
      warn.accept("Cannot push the figures of " + command + " to the Pushgateway at " + gateway.settings().url() + ": " + e.getMessage()
          + ". The job's outcome is unchanged; check monitoring.pushgateway.url, or leave it empty to push nothing.");
    }
  }

  /**
   * Rows and Delta versions of every table the job wrote: by the summaries' convention each is an
   * object naming its {@code table} (or online {@code view}) beside {@code rows}, {@code rows_written}
   * or {@code entities_written}, and {@code delta_version}.
   */
  private static void outputs(MetricsText metrics, Object node) {
    if (node instanceof Map<?, ?> map) {
      Object table = map.get("table");
      Object view = map.get("view");
      String output = table instanceof String t ? t : view instanceof String v && map.containsKey("entities_written") ? "online:" + v : null;
      if (output != null) {
        for (String key : List.of("rows_written", "rows", "entities_written")) {
          if (map.get(key) instanceof Number rows) {
            metrics.gauge("treeline_job_rows", "Rows the command's last successful run wrote, per output table.", rows.doubleValue(),
                "output", output);
            break;
          }
        }
        if (map.get("delta_version") instanceof Number version) {
          metrics.gauge("treeline_job_delta_version", "The Delta version the command's last successful run wrote, per output table.",
              version.doubleValue(), "output", output);
        }
      }
      map.values().forEach(value -> outputs(metrics, value));
    } else if (node instanceof List<?> list) {
      list.forEach(value -> outputs(metrics, value));
    }
  }
}
