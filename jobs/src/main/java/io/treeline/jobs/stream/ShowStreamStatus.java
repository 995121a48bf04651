package io.treeline.jobs.stream;

import io.treeline.core.error.Errors;
import io.treeline.featurestore.stream.StreamSettings;
import io.treeline.featurestore.stream.StreamStatus;
import io.treeline.jobs.runtime.Job;
import io.treeline.jobs.runtime.JobContext;
import io.treeline.jobs.runtime.JobResult;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Shows each view stream's last reported state, read from the status files in its checkpoint. */
public final class ShowStreamStatus implements Job<ShowStreamStatus.Result> {

  public record Result(String checkpoints, List<Map<String, Object>> streams) implements JobResult {
    @Override
    public String summaryLine() {
      long running = streams.stream().filter(s -> "running".equals(s.get("state"))).count();
      return String.format("%d stream%s under %s, %d running", streams.size(), streams.size() == 1 ? "" : "s", checkpoints, running);
    }

    @Override
    public Map<String, Object> summary() {
      Map<String, Object> summary = new LinkedHashMap<>();
      summary.put("checkpoints", checkpoints);
      summary.put("streams", streams);
      return summary;
    }
  }

  @Override
  public Result run(JobContext context) {
    StreamSettings settings = StreamSettings.from(context.config());
    Map<String, Map<String, Object>> statuses;
    try {
      statuses = StreamStatus.readAll(settings.checkpointDir(), context.hadoopConf());
    } catch (IOException e) {
      throw Errors.invalidInput("read", "stream status under " + settings.checkpointDir(), e.getMessage(),
          "Check stream.checkpoint-dir and that the lake is reachable.", e);
    }
    List<Map<String, Object>> streams = new ArrayList<>();
    if (statuses.isEmpty()) {
      context.out().println("No stream has run under " + settings.checkpointDir() + ". Start one with: treeline stream --view VIEW");
    } else {
      context.out().printf("%-24s %-8s %10s %12s %8s %10s %10s %10s %-7s %12s  %s%n",
          "VIEW", "STATE", "LAST BATCH", "EVENTS", "DEAD", "IN/S", "DONE/S", "LAG", "ONLINE", "FRESH P99", "CLOCK (newest event known)");
    }
    statuses.forEach((view, status) -> {
      Map<String, Object> shown = new LinkedHashMap<>(status);
      shown.put("state", state(status));
      streams.add(shown);
      context.out().printf("%-24s %-8s %10s %,12d %,8d %,10.0f %,10.0f %10s %-7s %12s  %s%n", view, shown.get("state"), status.get("last_batch"),
          number(status.get("events")), number(status.get("dead_letters")), decimal(status.get("input_rows_per_second")),
          decimal(status.get("processed_rows_per_second")), status.get("lag") == null ? "-" : String.format("%,d", number(status.get("lag"))),
          Boolean.TRUE.equals(status.get("online_lane")) ? "lane" : "batches",
          decimal(status.get("freshness_p99_ms")) < 0 ? "-" : String.format("%,.0f ms", decimal(status.get("freshness_p99_ms"))),
          status.getOrDefault("clock", ""));
      if (status.get("error") != null) {
        context.out().println("  error: " + status.get("error"));
      }
    });
    return new Result(settings.checkpointDir(), streams);
  }

  /** A stream that said "running" from this machine but whose process is gone (killed) shows as "gone". */
  private static String state(Map<String, Object> status) {
    String state = String.valueOf(status.get("state"));
    if ("running".equals(state) && status.get("pid") instanceof Number pid
        && io.treeline.featurestore.stream.StreamRunner.HOST.equals(status.get("host"))
        && ProcessHandle.of(pid.longValue()).map(p -> !p.isAlive()).orElse(true)) {
      return "gone";
    }
    return state;
  }

  private static long number(Object value) {
    return value instanceof Number n ? n.longValue() : 0;
  }

  private static double decimal(Object value) {
    return value instanceof Number n ? n.doubleValue() : 0;
  }
}
