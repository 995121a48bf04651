package io.treeline.jobs.stream;

import io.treeline.featurestore.online.OnlineStore;
import io.treeline.featurestore.online.OnlineStores;
import io.treeline.featurestore.spec.FeatureRepository;
import io.treeline.featurestore.spec.FeatureView;
import io.treeline.featurestore.stream.StreamMetrics;
import io.treeline.featurestore.stream.StreamRunner;
import io.treeline.featurestore.stream.StreamSettings;
import io.treeline.jobs.features.FeatureViews;
import io.treeline.jobs.monitoring.Pushgateway;
import io.treeline.jobs.monitoring.PushgatewaySettings;
import io.treeline.jobs.monitoring.StreamMetricsPush;
import io.treeline.jobs.runtime.Job;
import io.treeline.jobs.runtime.JobContext;
import io.treeline.jobs.runtime.JobResult;
import io.treeline.jobs.runtime.StopSignals;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.util.ShutdownHookManager;

/**
 * Streams feature views until stopped (SIGTERM or Ctrl-C finish the batch in progress first), or,
 * with {@code availableNow}, until the events there are now have been processed.
 */
public final class RunStreams implements Job<RunStreams.Result> {
  /** Runs before Spark's own shutdown hooks (priority 40 and below), which would stop Spark under the batch. */
  private static final int SHUTDOWN_PRIORITY = 100;
  private static final Duration GRACE = Duration.ofSeconds(120);

  private final List<String> viewNames;
  private final boolean availableNow;

  public RunStreams(List<String> viewNames, boolean availableNow) {
    this.viewNames = List.copyOf(viewNames);
    this.availableNow = availableNow;
  }

  /** A view's micro-batch figures, and those of what wrote its online values (its online lane, or the micro-batches). */
  public record Streamed(String view, StreamMetrics.Snapshot metrics, StreamMetrics.Snapshot online) {}

  public record Result(String source, List<Streamed> views) implements JobResult {
    @Override
    public String summaryLine() {
      return String.format("Streamed %d view%s from %s: %,d events, %,d to the dead letters", views.size(), views.size() == 1 ? "" : "s", source,
          views.stream().mapToLong(v -> v.metrics().events()).sum(), views.stream().mapToLong(v -> v.metrics().refused()).sum());
    }

    @Override
    public Map<String, Object> summary() {
      Map<String, Object> summary = new LinkedHashMap<>();
      summary.put("source", source);
      List<Map<String, Object>> each = new ArrayList<>();
      for (Streamed streamed : views) {
        StreamMetrics.Snapshot m = streamed.metrics();
        Map<String, Object> one = new LinkedHashMap<>();
        one.put("view", streamed.view());
        one.put("batches", m.batches());
        one.put("last_batch", m.lastBatch());
        one.put("events", m.events());
        one.put("dead_letters", m.refused());
        one.put("online_writes", streamed.online().onlineWrites());
        one.put("clock", m.clock());
        one.put("freshness_p50_ms", streamed.online().freshnessP50Millis());
        one.put("freshness_p99_ms", streamed.online().freshnessP99Millis());
        each.add(one);
      }
      summary.put("views", each);
      return summary;
    }
  }

  @Override
  public Result run(JobContext context) {
    FeatureRepository repository = FeatureViews.load(context.config());
    List<FeatureView> views = viewNames.stream().map(repository::get).toList();
    StreamSettings settings = StreamSettings.from(context.config());
    CountDownLatch finished = new CountDownLatch(1);
    StreamMetricsPush push = PushgatewaySettings.from(context.config()).map(Pushgateway::new).map(StreamMetricsPush::new).orElse(null);
    // Closed last (resources close in reverse): it sends the final states the runner writes as it closes.
    try (StreamMetricsPush pushes = push;
        OnlineStore store = OnlineStores.open(context.config(), context.spark());
        StreamRunner runner = StreamRunner.start(context.spark(), context.layout(), settings, views, store, availableNow,
            push == null ? status -> {} : push)) {
      for (StreamRunner.Running one : runner.running()) {
        context.out().printf("Streaming %s from %s (checkpoint %s)%n", one.stream().view().name(), settings.source(), one.checkpoint());
      }
      context.out().println(availableNow
          ? "Processing the events there are now, then stopping."
          : "Ctrl-C or SIGTERM stops after the batch in progress; treeline stream status shows progress.");
      context.progress().status("streaming " + String.join(", ", viewNames));
      Runnable stop = () -> {
        runner.stopGracefully(GRACE);
        try {
          finished.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      };
      // Any other way the JVM ends (System.exit, SIGHUP) still lets the batch in progress finish.
      ShutdownHookManager.get().addShutdownHook(stop, SHUTDOWN_PRIORITY, GRACE.getSeconds() + 40, TimeUnit.SECONDS);
      // SIGTERM and Ctrl-C end the streams here, so the summary is printed and the process exits 0.
      StopSignals signals = StopSignals.onStop(() -> runner.stopGracefully(GRACE));
      try {
        runner.awaitTermination();
        return new Result(settings.source(), runner.running().stream()
            .map(one -> new Streamed(one.stream().view().name(), one.stream().metrics().snapshot(), one.onlineMetrics().snapshot())).toList());
      } finally {
        signals.close();
        if (!ShutdownHookManager.get().isShutdownInProgress()) {
          ShutdownHookManager.get().removeShutdownHook(stop);
        }
        finished.countDown();
      }
    }
  }
}
