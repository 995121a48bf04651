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
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The quickstart's streaming stage: replays four hours of the last day's flights as event files into a
 * staging directory, starts the stream on origin_airport_stats (which the batch stages leave to the
 * stream) with the first file, then moves the others into the stream's directory one at a time and
 * prints, for each, a few airports' online values as soon as the online lane has written them, and how
 * long after the file appeared that was. Starts from scratch on every run.
 */
final class StreamingTour {
  static final String VIEW = "origin_airport_stats";
  private static final LocalDateTime FROM = LocalDateTime.parse("2001-06-30T12:00");
  private static final LocalDateTime UNTIL = LocalDateTime.parse("2001-06-30T16:00");
  private static final List<String> AIRPORTS = List.of("ORD", "ATL", "DFW");
  private static final Duration PATIENCE = Duration.ofSeconds(60);
  private static final int FILES = 4;

  private final JobContext context;

  StreamingTour(JobContext context) {
    this.context = context;
  }

  record Result(long events, long batches, long deadLetters, double freshnessP99Millis) implements JobResult {
    @Override
    public String summaryLine() {
      String freshness = freshnessP99Millis < 0 ? "no file's freshness measured"
          : String.format("p99 %,.0f ms from a file to its values online", freshnessP99Millis);
      return String.format("Streamed %,d events in %d micro-batches into features.%s, and through the online lane into the online store "
          + "(%s; %d dead letters)", events, batches, VIEW, freshness, deadLetters);
    }

    @Override
    public Map<String, Object> summary() {
      return Map.of("events", events, "batches", batches, "dead_letters", deadLetters, "freshness_p99_ms", freshnessP99Millis);
    }
  }

  Result run() {
    String root = context.layout().root();
    TreelineConfig config = context.config().with(Map.of(
        "stream.kafka.bootstrap-servers", "",
        "stream.files.dir", root + "/events/quickstart",
        // Micro-batches every 10 s write Delta; the online lane writes online as each file arrives.
        "stream.trigger-seconds", "10",
        "stream.online-lane", "true",
        "stream.checkpoint-dir", root + "/checkpoints/quickstart"));
    StreamSettings settings = StreamSettings.from(config);
    FeatureView view = FeatureViews.load(config).get(VIEW);
    String staging = root + "/events/quickstart-staging";
    startAfresh(settings, view, staging);

    context.out().printf("    replaying the flights of %s to %s as event files in %s%n", FROM, UNTIL, staging);
    EventRange range = new EventRange(Optional.of(FROM), Optional.of(UNTIL), Optional.empty());
    // Four files whatever the flights loaded (data load --sample): the tour shows the values change as each arrives.
    int perFile = (int) Math.max(1, (ReplayEvents.count(context, range) + FILES - 1) / FILES);
    new ReplayEvents(range, ReplayTarget.files(staging, perFile), Pacing.asFastAsPossible()).run(context);
    OnlineTable table = LatestValues.table(view);
    List<EntityKey> airports = AIRPORTS.stream().map(a -> new EntityKey(List.of(a))).toList();
    try {
      FileSystem fs = new Path(staging).getFileSystem(context.hadoopConf());
      List<Path> files = Arrays.stream(fs.listStatus(new Path(staging))).map(FileStatus::getPath).filter(p -> !p.getName().startsWith("."))
          .sorted().toList();
      Path incoming = new Path(settings.filesDir());
      fs.mkdirs(incoming);
      long total = countLines(fs, files);
      fs.setTimes(files.get(0), System.currentTimeMillis(), -1);
      fs.rename(files.get(0), new Path(incoming, files.get(0).getName()));
      try (OnlineStore store = OnlineStores.open(config, context.spark());
          StreamRunner runner = StreamRunner.start(context.spark(), context.layout(), settings, List.of(view), store, false)) {
        StreamRunner.Running stream = runner.running().get(0);
        context.out().printf("    %s: the first micro-batch copies in the day's history, then the online lane starts%n", files.get(0).getName());
        await(runner, () -> !stream.lane().metrics().snapshot().clock().isEmpty());
        Map<EntityKey, FeatureValues> shown = read(store, table, airports);
        for (Path file : files.subList(1, files.size())) {
          long written = System.nanoTime();
          fs.setTimes(file, System.currentTimeMillis(), -1); // its production time: now, not when it was staged
          fs.rename(file, new Path(incoming, file.getName()));
          Map<EntityKey, FeatureValues> before = shown;
          await(runner, () -> !read(store, table, airports).equals(before));
          shown = read(store, table, airports);
          context.out().println(line(file.getName(), (System.nanoTime() - written) / 1_000_000, shown, airports));
        }
        await(runner, () -> stream.stream().metrics().snapshot().events() + stream.stream().metrics().snapshot().refused() >= total);
        runner.stopGracefully(Duration.ofSeconds(30));
        var metrics = stream.stream().metrics().snapshot();
        return new Result(metrics.events(), metrics.batches(), metrics.refused(), stream.lane().metrics().snapshot().freshnessP99Millis());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Map<EntityKey, FeatureValues> read(OnlineStore store, OnlineTable table, List<EntityKey> airports) {
    store.refresh(table);
    return store.read(table, airports);
  }

  private static String line(String file, long millis, Map<EntityKey, FeatureValues> values, List<EntityKey> airports) {
    StringBuilder line = new StringBuilder(String.format("    %s written; online %,d ms later:", file, millis));
    for (EntityKey airport : airports) {
      FeatureValues v = values.get(airport);
      line.append(v == null ? String.format("  %s -", airport.values().get(0))
          : String.format("  %s landed_1h %s avg_delay_1h %s (as of %s)", airport.values().get(0), v.values().get("landed_1h"),
              rounded(v.values().get("avg_delay_1h")), v.featureTime().toLocalTime()));
    }
    return line.toString();
  }

  private interface Condition {
    boolean holds();
  }

  /** Waits until the condition holds; a stream that fails or stops meanwhile fails this with its own error. */
  private static void await(StreamRunner runner, Condition condition) {
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    while (!condition.holds()) {
      StreamRunner.Running stream = runner.running().get(0);
      if (!stream.query().isActive() || stream.lane().failure().isPresent()) {
        runner.awaitTermination(); // throws the failure
        throw new IllegalStateException("the stream stopped before the tour's events were through");
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the stream did not take the tour's events within " + PATIENCE.toSeconds() + " s");
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      }
    }
  }

  private static long countLines(FileSystem fs, List<Path> files) throws IOException {
    long lines = 0;
    for (Path file : files) {
      try (var in = new java.io.BufferedReader(new java.io.InputStreamReader(fs.open(file), java.nio.charset.StandardCharsets.UTF_8))) {
        lines += in.lines().count();
      }
    }
    return lines;
  }

  private static String rounded(Object value) {
    return value instanceof Double d ? String.format("%.1f", d) : String.valueOf(value);
  }

  /** A rerun of the quickstart starts the stream over: its files, checkpoint, tables and online values go. */
  private void startAfresh(StreamSettings settings, FeatureView view, String staging) {
    List<String> paths = List.of(settings.filesDir(), staging, settings.checkpointDir(),
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
