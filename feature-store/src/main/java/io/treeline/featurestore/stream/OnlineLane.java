package io.treeline.featurestore.stream;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;

import io.treeline.core.lake.LakeLayout;
import io.treeline.featurestore.offline.EntityTimeline;
import io.treeline.featurestore.offline.Micros;
import io.treeline.featurestore.offline.OfflineTable;
import io.treeline.featurestore.offline.ViewSource;
import io.treeline.featurestore.online.LatestValues;
import io.treeline.featurestore.online.OnlineStore;
import io.treeline.featurestore.online.OnlineTable;
import io.treeline.featurestore.spec.FeatureView;
import io.treeline.featurestore.spec.TimeWindow;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Set;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A view's online values kept current event by event, apart from the micro-batches into Delta. It
 * reads the same source from where the last committed micro-batch ended, checks and prepares each
 * handful of events with the same DataFrame code as the micro-batches (compiled once, run in this
 * thread without a job: {@link CompiledRowPlan}), keeps every entity's window state ({@link
 * EntityTimeline}, the batch timeline's accumulators) and writes, every {@code interval}, the
 * entities whose values changed as of the clock — the newest event time seen — to the online store.
 *
 * <p>It keeps no checkpoint of its own: on start it waits for the event log, rebuilds its state from
 * it up to the last committed micro-batch, and reads the source past it. Online writes never replace newer
 * values, so what it writes again after a restart is harmless. Events it refuses (late, malformed)
 * the micro-batches refuse too, and record as dead letters.
 */
public final class OnlineLane implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(OnlineLane.class);

  private final SparkSession spark;
  private final FeatureView view;
  private final LakeLayout layout;
  private final OnlineStore store;
  private final StreamSettings settings;
  private final String checkpoint;
  private final long watermarkDelayMicros;
  private final StructType sourceSchema;
  private final Set<String> required;
  private final EntityTimeline.Shape shape;
  private final OnlineTable table;
  private final StreamMetrics metrics = new StreamMetrics();
  private final Map<List<Object>, EntityTimeline> entities = new HashMap<>();
  /** When each entity's row next changes without a new event; stale entries are skipped. */
  private final PriorityQueue<Change> changes = new PriorityQueue<>();
  private final Map<List<Object>, Long> scheduled = new HashMap<>();
  private final Thread thread;
  private volatile boolean stopping;
  private volatile Throwable failure;
  private StreamClock clock = StreamClock.START;
  private StructType rowSchema;
  /** Raw events → the accepted ones' source columns, event time and production time (lateness is checked here, the watermark moving). */
  private CompiledRowPlan checked;
  /** Source rows → keys, event time, availability time and feature values, as {@link ViewSource#prepared}. */
  private CompiledRowPlan prepared;
  /** Where a minute of steps went (nanoseconds), logged once a minute: reading and checking, preparing, windows, writing. */
  private final long[] phases = new long[4];
  private long phaseSteps;
  private long phaseEvents;
  private long phasesSince = System.nanoTime();

  private record Change(long at, List<Object> key) implements Comparable<Change> {
    @Override
    public int compareTo(Change other) {
      return Long.compare(at, other.at);
    }
  }

  OnlineLane(SparkSession spark, FeatureView view, LakeLayout layout, OnlineStore store, StreamSettings settings, String checkpoint,
      long watermarkDelayMicros, StructType sourceSchema) {
    this.spark = spark;
    this.view = view;
    this.layout = layout;
    this.store = store;
    this.settings = settings;
    this.checkpoint = checkpoint;
    this.watermarkDelayMicros = watermarkDelayMicros;
    this.sourceSchema = sourceSchema;
    this.required = ViewStream.requiredFields(view, sourceSchema);
    this.shape = EntityTimeline.Shape.of(view);
    this.table = LatestValues.table(view);
    this.thread = new Thread(this::run, "treeline-online-lane-" + view.name());
    thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  public StreamMetrics metrics() {
    return metrics;
  }

  /** Why the lane stopped, if it failed. */
  public Optional<Throwable> failure() {
    return Optional.ofNullable(failure);
  }

  @Override
  public void close() {
    stopping = true;
    try {
      thread.join(30_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void run() {
    try {
      Optional<CommittedBatch> committed = firstCommit();
      if (committed.isEmpty()) {
        return;
      }
      restore(committed.get());
      Duration interval = Duration.ofMillis(settings.onlineLaneIntervalMillis());
      try (LaneFeed feed = LaneFeed.open(settings, committed.get(), spark.sparkContext().hadoopConfiguration())) {
        while (!stopping) {
          long deadline = System.nanoTime() + interval.toNanos();
          List<Row> raw = new ArrayList<>();
          do {
            raw.addAll(feed.poll(Duration.ofNanos(Math.max(1_000_000, deadline - System.nanoTime()))));
          } while (System.nanoTime() < deadline && !stopping);
          step(raw);
        }
      }
    } catch (Throwable e) {
      failure = e;
      LOG.error("The online lane of {} failed: {}", view.name(), e.toString(), e);
    }
  }

  /**
   * Waits until the micro-batches have committed a batch and written the event log: the batch that
   * creates the log also copies in the source table's history, which the windows must start from.
   */
  private Optional<CommittedBatch> firstCommit() throws InterruptedException {
    String log = layout.table(ViewStream.eventLog(view));
    while (!stopping) {
      Optional<CommittedBatch> committed = CommittedBatch.read(checkpoint, spark.sparkContext().hadoopConfiguration());
      if (committed.isPresent() && io.delta.tables.DeltaTable.isDeltaTable(spark, log)) {
        return committed;
      }
      Thread.sleep(200);
    }
    return Optional.empty();
  }

  /** Compiles the checking and preparing plans once: each step only runs them. */
  private void compilePlans() {
    checked = new CompiledRowPlan(spark, LaneFeed.RAW, raw -> {
      List<Column> kept = new ArrayList<>();
      Arrays.stream(sourceSchema.fieldNames()).forEach(name -> kept.add(col(name)));
      kept.add(expr(view.eventTime().orElseThrow()).cast(DataTypes.TimestampNTZType).as("__lane_event_time"));
      kept.add(col(StreamEvents.PRODUCED_AT));
      return StreamEvents.parse(raw, sourceSchema, required).where(col(StreamEvents.REASON).isNull()).select(kept.toArray(Column[]::new));
    });
    prepared = new CompiledRowPlan(spark, sourceSchema, rows -> ViewSource.prepared(view, ViewSource.derived(view, rows)));
    rowSchema = OfflineTable.timelineSchema(view, prepared.outputSchema());
  }

  /** Rebuilds every entity's window state from the event log up to the committed batch. */
  private void restore(CommittedBatch committed) {
    long started = System.nanoTime();
    compilePlans();
    clock = StreamClock.before(checkpoint, committed.batchId() + 1, spark.sparkContext().hadoopConfiguration());
    String log = layout.table(ViewStream.eventLog(view));
    Dataset<Row> events = spark.read().format("delta").load(log).where(col("__batch_id").leq(lit(committed.batchId())));
    Optional<Duration> lookback = ViewStream.streamLookback(view);
    if (lookback.isPresent() && clock.started()) {
      long since = clock.watermarkMicros(watermarkDelayMicros) - lookback.get().toNanos() / 1000;
      events = events.where(col(ViewSource.AVAILABLE_AT).geq(lit(Micros.time(since))));
    }
    events = events.drop("__batch_id");
    long n = 0;
    Iterator<Row> sorted = events.orderBy(col(ViewSource.AVAILABLE_AT)).toLocalIterator();
    while (sorted.hasNext()) {
      take(sorted.next());
      n++;
    }
    if (clock.started()) {
      long now = clock.newestEventMicros();
      long settle = clock.watermarkMicros(watermarkDelayMicros);
      entities.forEach((key, timeline) -> {
        timeline.settle(settle);
        schedule(key, timeline.nextChange(now));
      });
    }
    LOG.info("{} online lane: {} entities from {} events of the event log up to batch {} in {} ms; reading on from there", view.name(),
        entities.size(), n, committed.batchId(), (System.nanoTime() - started) / 1_000_000);
  }

  /** Takes in one prepared event (keys, event time, availability time, values); returns its key. */
  private List<Object> take(Row event) {
    int k = view.entities().size();
    if (event.isNullAt(k + 1)) {
      return null; // no time to place it at: the batch timeline leaves it out too
    }
    Object[] key = new Object[k];
    for (int i = 0; i < k; i++) {
      key[i] = event.get(i);
    }
    Object[] values = new Object[view.features().size()];
    for (int i = 0; i < values.length; i++) {
      values[i] = event.get(k + 2 + i);
    }
    List<Object> entity = Arrays.asList(key);
    entities.computeIfAbsent(entity, e -> shape.newTimeline()).add(Micros.of((LocalDateTime) event.get(k + 1)), values);
    return entity;
  }

  private void step(List<Row> raw) {
    long started = System.nanoTime();
    Set<List<Object>> changed = new LinkedHashSet<>();
    long accepted = 0;
    long[] produced = new long[raw.size()];
    int readable = 0;
    if (!raw.isEmpty()) {
      List<Row> good = checked.run(raw);
      long checkedAt = System.nanoTime();
      phases[0] += checkedAt - started;
      long watermark = clock.started() ? clock.watermarkMicros(watermarkDelayMicros) : Long.MIN_VALUE;
      long newest = Long.MIN_VALUE;
      List<Row> sourceRows = new ArrayList<>(good.size());
      int width = sourceSchema.size();
      for (Row event : good) {
        long eventTime = Micros.of((LocalDateTime) event.get(width));
        if (eventTime < watermark) {
          continue; // late: the micro-batches send it to the dead letters
        }
        newest = Math.max(newest, eventTime);
        Object producedAt = event.get(width + 1);
        if (producedAt != null) {
          produced[readable++] = producedAt instanceof Timestamp t ? t.getTime() : ((java.time.Instant) producedAt).toEpochMilli();
        }
        Object[] values = new Object[width];
        for (int i = 0; i < width; i++) {
          values[i] = event.get(i);
        }
        sourceRows.add(RowFactory.create(values));
      }
      accepted = sourceRows.size();
      if (!sourceRows.isEmpty()) {
        List<Row> events = prepared.run(sourceRows);
        long preparedAt = System.nanoTime();
        phases[1] += preparedAt - checkedAt;
        for (Row event : events) {
          List<Object> key = take(event);
          if (key != null) {
            changed.add(key);
          }
        }
        phases[2] += System.nanoTime() - preparedAt;
      }
      clock = clock.advance(newest);
    }
    long written = publish(changed);
    metrics.laneStep(accepted, written, produced, readable, System.nanoTime() - started, clock);
    phaseSteps++;
    phaseEvents += raw.size();
    long now = System.nanoTime();
    if (now - phasesSince >= 60_000_000_000L) {
      LOG.info("{} online lane: {} steps, {} events in the last minute; per step {} ms reading and checking, {} ms preparing, {} ms windows, "
          + "{} ms writing", view.name(), phaseSteps, phaseEvents, phases[0] / 1_000_000 / phaseSteps, phases[1] / 1_000_000 / phaseSteps,
          phases[2] / 1_000_000 / phaseSteps, phases[3] / 1_000_000 / phaseSteps);
      java.util.Arrays.fill(phases, 0);
      phaseSteps = 0;
      phaseEvents = 0;
      phasesSince = now;
    }
  }

  /** Writes the row as of the clock of every entity with a new event or a change point passed since the last write. */
  private long publish(Set<List<Object>> changed) {
    if (!clock.started()) {
      return 0;
    }
    long now = clock.newestEventMicros();
    while (!changes.isEmpty() && changes.peek().at() <= now) {
      Change change = changes.poll();
      Long at = scheduled.get(change.key());
      if (at != null && at == change.at()) {
        scheduled.remove(change.key());
        changed.add(change.key());
      }
    }
    if (changed.isEmpty()) {
      return 0;
    }
    long windowsFrom = System.nanoTime();
    long settle = clock.watermarkMicros(watermarkDelayMicros);
    long fresh = view.ttl().map(TimeWindow::micros).map(ttl -> now + 1 - ttl).orElse(Long.MIN_VALUE);
    List<Row> rows = new ArrayList<>(changed.size());
    for (List<Object> key : changed) {
      EntityTimeline timeline = entities.get(key);
      timeline.at(now).ifPresent(latest -> rows.add(row(key, latest, latest.sourceTime() >= fresh)));
      schedule(key, timeline.nextChange(now));
      timeline.settle(settle);
    }
    long writeFrom = System.nanoTime();
    phases[2] += writeFrom - windowsFrom;
    long written = store.writeLocal(table, rows);
    phases[3] += System.nanoTime() - writeFrom;
    return written;
  }

  /** Schedules the entity's next change; an entity written every step but changing at the same moment adds no entry. */
  private void schedule(List<Object> key, long at) {
    if (at == Long.MAX_VALUE) {
      scheduled.remove(key);
      return;
    }
    Long current = scheduled.put(key, at);
    if (current == null || current != at) {
      changes.add(new Change(at, key));
    }
  }

  private Row row(List<Object> key, EntityTimeline.Row latest, boolean fresh) {
    Object[] values = new Object[key.size() + 2 + latest.values().length];
    for (int i = 0; i < key.size(); i++) {
      values[i] = key.get(i);
    }
    values[key.size()] = Micros.time(latest.featureTime());
    values[key.size() + 1] = Micros.time(latest.sourceTime());
    if (fresh) {
      System.arraycopy(latest.values(), 0, values, key.size() + 2, latest.values().length);
    }
    return new GenericRowWithSchema(values, rowSchema);
  }
}
