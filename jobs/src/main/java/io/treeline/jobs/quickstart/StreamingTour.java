package io.treeline.jobs.quickstart;

import io.treeline.core.config.TreelineConfig;
import io.treeline.featurestore.online.EmbeddedOnlineStore;
import io.treeline.featurestore.online.EntityKey;
import io.treeline.featurestore.online.FeatureValues;
import io.treeline.featurestore.online.LatestValues;
import io.treeline.featurestore.online.OnlineStore;
import io.treeline.featurestore.online.OnlineStores;
import io.treeline.featurestore.online.OnlineTable;
import io.treeline.featurestore.spec.FeatureView;
import io.treeline.featurestore.stream.StreamRunner;
import io.treeline.featurestore.stream.StreamSettings;
import io.treeline.featurestore.stream.ViewStream;
import io.treeline.jobs.features.FeatureViews;
import io.treeline.jobs.runtime.JobContext;
import io.treeline.jobs.runtime.JobResult;
import io.treeline.jobs.stream.EventRange;
import io.treeline.jobs.stream.Pacing;
import io.treeline.jobs.stream.ReplayEvents;
import io.treeline.jobs.stream.ReplayTarget;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.LocalDateTime;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.streaming.StreamingQueryListener;

/**
 * The quickstart's streaming stage: replays four hours of the last day's flights as event files and
 * streams them into origin_airport_stats (which the batch stages leave to the stream), printing a
 * few airports' online values after each micro-batch. Starts from scratch on every run.
 */
final class StreamingTour {
  static final String VIEW = "origin_airport_stats";
  private static final LocalDateTime FROM = LocalDateTime.parse("2001-06-30T12:00");
  private static final LocalDateTime UNTIL = LocalDateTime.parse("2001-06-30T16:00");
  private static final List<String> AIRPORTS = List.of("ORD", "ATL", "DFW");

  private final JobContext context;

  StreamingTour(JobContext context) {
    this.context = context;
  }

  record Result(long events, long batches, long deadLetters) implements JobResult {
    @Override
    public String summaryLine() {
      return String.format("Streamed %,d events in %d micro-batches into features.%s and the online store (%d dead letters)", events, batches, VIEW,
          deadLetters);
    }

    @Override
    public Map<String, Object> summary() {
      return Map.of("events", events, "batches", batches, "dead_letters", deadLetters);
    }
  }

  Result run() {
    String root = context.layout().root();
    TreelineConfig config = context.config().with(Map.of(
        "stream.kafka.bootstrap-servers", "",
        "stream.files.dir", root + "/events/quickstart",
        "stream.files.max-files-per-trigger", "1",
        "stream.checkpoint-dir", root + "/checkpoints/quickstart"));
    StreamSettings settings = StreamSettings.from(config);
    FeatureView view = FeatureViews.load(config).get(VIEW);
    startAfresh(settings, view);

    context.out().printf("    replaying the flights of %s to %s as event files in %s%n", FROM, UNTIL, settings.filesDir());
    new ReplayEvents(new EventRange(Optional.of(FROM), Optional.of(UNTIL), Optional.empty()), ReplayTarget.files(settings.filesDir(), 1_000),
        Pacing.asFastAsPossible()).run(context);
    OnlineTable table = LatestValues.table(view);
    List<EntityKey> airports = AIRPORTS.stream().map(a -> new EntityKey(List.of(a))).toList();
    try (OnlineStore store = OnlineStores.open(config, context.spark())) {
      StreamingQueryListener printer = new StreamingQueryListener() {
        @Override
        public void onQueryStarted(QueryStartedEvent event) {}

        @Override
        public void onQueryProgress(QueryProgressEvent event) {
          if (event.progress().numInputRows() == 0) {
            return;
          }
          store.refresh(table);
          Map<EntityKey, FeatureValues> values = store.read(table, airports);
          StringBuilder line = new StringBuilder(String.format("    batch %d, %,d events:", event.progress().batchId(), event.progress().numInputRows()));
          for (EntityKey airport : airports) {
            FeatureValues v = values.get(airport);
            line.append(v == null ? String.format("  %s -", airport.values().get(0))
                : String.format("  %s landed_1h %s avg_delay_1h %s (as of %s)", airport.values().get(0), v.values().get("landed_1h"),
                    rounded(v.values().get("avg_delay_1h")), v.featureTime().toLocalTime()));
          }
          context.out().println(line);
        }

        @Override
        public void onQueryTerminated(QueryTerminatedEvent event) {}
      };
      context.spark().streams().addListener(printer);
      try (StreamRunner runner = StreamRunner.start(context.spark(), context.layout(), settings, List.of(view), store, true)) {
        runner.awaitTermination();
        // The listener hears of the last batch asynchronously; let it print before the next stage does.
        Thread.sleep(1_000);
        var metrics = runner.running().get(0).stream().metrics().snapshot();
        return new Result(metrics.events(), metrics.batches(), metrics.refused());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      } finally {
        context.spark().streams().removeListener(printer);
      }
    }
  }

  private static String rounded(Object value) {
    return value instanceof Double d ? String.format("%.1f", d) : String.valueOf(value);
  }

  /** A rerun of the quickstart starts the stream over: its files, checkpoint, tables and online values go. */
  private void startAfresh(StreamSettings settings, FeatureView view) {
    List<String> paths = List.of(settings.filesDir(), settings.checkpointDir(),
        context.layout().table(ViewStream.eventLog(view)), context.layout().table(view.offlineTable()),
        context.layout().table(EmbeddedOnlineStore.table(view.name())), context.layout().table(ViewStream.DEAD_LETTERS));
    try {
      for (String location : paths) {
        Path path = new Path(location);
        path.getFileSystem(context.hadoopConf()).delete(path, true);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    context.spark().catalog().clearCache();
  }
}
