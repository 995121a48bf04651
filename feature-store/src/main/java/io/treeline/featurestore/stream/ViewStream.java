package io.treeline.featurestore.stream;

import io.treeline.featurestore.offline.Micros;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.current_timestamp;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.unix_micros;
import static org.apache.spark.sql.functions.when;

import io.delta.tables.DeltaTable;
import io.treeline.core.lake.LakeCatalog;
import io.treeline.core.lake.LakeLayout;
import io.treeline.core.lake.TableName;
import io.treeline.featurestore.offline.Materializer;
import io.treeline.featurestore.offline.OfflineTable;
import io.treeline.featurestore.offline.ViewSource;
import io.treeline.featurestore.online.LatestValues;
import io.treeline.featurestore.online.OnlineStore;
import io.treeline.featurestore.spec.FeatureView;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.spark.api.java.function.VoidFunction2;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One micro-batch of a feature view's stream, exactly once. The batch's events are appended to the
 * view's event log ({@code stream.<view>_events}); every entity they touch gets its timeline
 * recomputed from the batch's earliest availability time on — with the same {@link Materializer}
 * code as {@code features materialize}, so both engines agree — and those rows replace the old ones
 * in {@code features.<view>}; refused events go to {@code stream.dead_letters}. Each of the three
 * Delta writes carries the query id and batch id (txnAppId/txnVersion), so a batch replayed after a
 * crash writes nothing twice. Then the online store gets each changed entity's values as of the
 * stream's clock; its writes never replace newer values, so replaying them is harmless.
 */
public final class ViewStream implements VoidFunction2<Dataset<Row>, Long> {
  private static final Logger LOG = LoggerFactory.getLogger(ViewStream.class);
  /** Test-only: the batch after whose Delta writes the stream stops, before the online write, until killed. */
  public static final String PAUSE_PROPERTY = "treeline.test.pause-before-online-batch";
  private static final DateTimeFormatter SQL_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS");
  private static final String BATCH_ID = "__batch_id";

  private final FeatureView view;
  private final LakeLayout layout;
  private final OnlineStore store;
  private final String checkpoint;
  private final long watermarkDelayMicros;
  private final StructType sourceSchema;
  private final Set<String> required;
  private final StreamMetrics metrics = new StreamMetrics();

  /**
   * @param sourceSchema the columns an event carries (the view's source table's)
   * @param store where online values go, or null for a view that is not online
   */
  public ViewStream(FeatureView view, LakeLayout layout, OnlineStore store, String checkpoint, long watermarkDelayMicros, StructType sourceSchema) {
    this.view = view;
    this.layout = layout;
    this.store = view.online() ? store : null;
    this.checkpoint = checkpoint;
    this.watermarkDelayMicros = watermarkDelayMicros;
    this.sourceSchema = sourceSchema;
    this.required = requiredFields(view, sourceSchema);
  }

  public static TableName eventLog(FeatureView view) {
    return new TableName("stream", view.name() + "_events");
  }

  public static final TableName DEAD_LETTERS = new TableName("stream", "dead_letters");

  public FeatureView view() {
    return view;
  }

  public StreamMetrics metrics() {
    return metrics;
  }

  /** The entity keys, and every source column the event time is computed from. */
  static Set<String> requiredFields(FeatureView view, StructType schema) {
    String eventTime = view.eventTime().orElseThrow();
    Set<String> required = new java.util.LinkedHashSet<>(view.entities());
    for (StructField field : schema.fields()) {
      if (java.util.regex.Pattern.compile("(?<![\\w.])`?" + java.util.regex.Pattern.quote(field.name()) + "`?(?!\\w)").matcher(eventTime).find()) {
        required.add(field.name());
      }
    }
    required.retainAll(java.util.Arrays.asList(schema.fieldNames()));
    return required;
  }

  @Override
  public void call(Dataset<Row> batch, Long batchId) {
    long started = System.nanoTime();
    SparkSession spark = batch.sparkSession();
    // The query id survives restarts on the same checkpoint; Spark sets it on the batch's thread.
    String appId = spark.sparkContext().getLocalProperty("sql.streaming.queryId");
    var hadoop = spark.sparkContext().hadoopConfiguration();
    StreamClock clock = StreamClock.before(checkpoint, batchId, hadoop);
    long watermark = clock.watermarkMicros(watermarkDelayMicros);

    Column eventTime = expr(view.eventTime().orElseThrow()).cast(DataTypes.TimestampNTZType);
    Dataset<Row> parsed = StreamEvents.parse(batch, sourceSchema, required).withColumn("__event_time", eventTime);
    if (clock.started()) {
      Column late = col(StreamEvents.REASON).isNull().and(col("__event_time").lt(lit(Micros.time(watermark))));
      parsed = parsed.withColumn(StreamEvents.REASON, when(late, concat(lit("late: event time "), col("__event_time").cast("string"),
          lit(" is before the watermark " + Micros.time(watermark).format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss")) + " (the newest event so far less stream.watermark-minutes)")))
          .otherwise(col(StreamEvents.REASON)));
    }
    parsed = parsed.persist(StorageLevel.MEMORY_AND_DISK());
    try {
      // A Spark job costs a few hundred milliseconds whatever its size, so two give the batch's figures:
      // per production time bucket (tenths of a second), the events accepted and refused and the newest
      // accepted event time; per touched entity, the prepared events' range. The totals are summed here.
      Column ok = col(StreamEvents.REASON).isNull();
      List<Row> buckets = parsed.groupBy(floor(unix_micros(col(StreamEvents.PRODUCED_AT)).divide(100_000)).as("bucket"))
          .agg(sum(when(ok, 1).otherwise(0)), sum(when(col(StreamEvents.REASON).isNotNull(), 1).otherwise(0)), max(when(ok, col("__event_time"))))
          .collectAsList();
      long accepted = 0;
      long refused = 0;
      LocalDateTime newest = null;
      List<Row> produced = new ArrayList<>();
      for (Row bucket : buckets) {
        accepted += bucket.getLong(1);
        refused += bucket.getLong(2);
        newest = later(newest, (LocalDateTime) bucket.get(3));
        if (bucket.getLong(1) > 0) {
          produced.add(RowFactory.create(bucket.get(0), bucket.getLong(1)));
        }
      }
      long newestEvent = newest == null ? Long.MIN_VALUE : Micros.of(newest);

      Dataset<Row> good = parsed.where(ok);
      Dataset<Row> prepared = ViewSource.prepared(view, ViewSource.derived(view, good.select(sourceColumns())));
      Column[] keys = view.entities().stream().map(org.apache.spark.sql.functions::col).toArray(Column[]::new);
      List<Row> entities = prepared.groupBy(keys)
          .agg(min(ViewSource.AVAILABLE_AT), count(lit(1)), min(ViewSource.EVENT_TIME)).collectAsList();
      int k = keys.length;
      long rows = 0;
      LocalDateTime firstAvailable = null;
      LocalDateTime firstEvent = null;
      List<Row> touchedKeys = new ArrayList<>();
      for (Row entity : entities) {
        firstAvailable = earlier(firstAvailable, (LocalDateTime) entity.get(k));
        rows += entity.getLong(k + 1);
        firstEvent = earlier(firstEvent, (LocalDateTime) entity.get(k + 2));
        Object[] key = new Object[k];
        for (int i = 0; i < k; i++) {
          key[i] = entity.get(i);
        }
        touchedKeys.add(RowFactory.create(key));
      }
      Optional<LocalDateTime> from = rows == 0 ? Optional.empty() : Optional.of(firstAvailable);

      if (from.isPresent()) {
        appendEvents(spark, prepared, firstEvent, appId, batchId);
        replaceTimelines(spark, spark.createDataFrame(touchedKeys, prepared.select(keys).schema()), touchedKeys, from.get(), appId, batchId);
      }
      if (refused > 0) {
        writeDeadLetters(spark, parsed, appId, batchId);
      }
      pauseIfAsked(batchId);
      StreamClock after = clock.advance(newestEvent);
      long online = pushOnline(spark, clock, after, from);
      after.writeBefore(checkpoint, batchId + 1, hadoop);
      metrics.batchDone(batchId, accepted, refused, online, produced, System.nanoTime() - started, after);
      LOG.info("{} batch {}: {} events, {} refused, {} entities online, clock {}", view.name(), batchId, accepted, refused, online,
          after.started() ? Micros.time(after.newestEventMicros()) : "-");
    } finally {
      parsed.unpersist();
    }
  }

  /**
   * Appends the batch's refused events to the lake's one dead-letter table. Streams of several views
   * share it, so two of them may create it at once: the loser of that race appends again (the
   * transaction ids make a retried append write nothing twice).
   */
  private void writeDeadLetters(SparkSession spark, Dataset<Row> parsed, String appId, long batchId) {
    String location = layout.table(DEAD_LETTERS);
    for (int attempt = 1; ; attempt++) {
      boolean created = !DeltaTable.isDeltaTable(spark, location);
      try {
        StreamEvents.refused(parsed, view.name(), batchId).withColumn("received_at", current_timestamp())
            .write().format("delta").mode("append").option("txnAppId", appId).option("txnVersion", batchId).save(location);
      } catch (io.delta.exceptions.DeltaConcurrentModificationException e) {
        if (!created || attempt == 3) {
          throw e;
        }
        continue;
      }
      if (created) {
        new LakeCatalog(spark, layout).register(DEAD_LETTERS);
      }
      return;
    }
  }

  private Column[] sourceColumns() {
    return java.util.Arrays.stream(sourceSchema.fieldNames()).map(org.apache.spark.sql.functions::col).toArray(Column[]::new);
  }

  /**
   * Appends the batch's prepared events to the view's event log. The first batch of a view whose
   * source table exists first copies in the source's events from before the stream's first event
   * (as far back as the windows reach), so the stream continues the batch history instead of
   * starting from nothing — the events of a stream that picks up where the table ends, in event time.
   */
  private void appendEvents(SparkSession spark, Dataset<Row> prepared, LocalDateTime firstEvent, String appId, long batchId) {
    String location = layout.table(eventLog(view));
    Dataset<Row> events = prepared.withColumn(BATCH_ID, lit(batchId));
    boolean created = !DeltaTable.isDeltaTable(spark, location);
    if (created && sourceExists(spark)) {
      Dataset<Row> history = ViewSource.prepared(spark, layout, view).where(col(ViewSource.EVENT_TIME).lt(lit(firstEvent)));
      Optional<java.time.Duration> lookback = streamLookback();
      if (lookback.isPresent()) {
        // A later batch recomputes from its earliest event on, which is at most the watermark delay before this one's.
        LocalDateTime earliest = firstEvent.minus(lookback.get()).minusNanos(watermarkDelayMicros * 1000);
        history = history.where(col(ViewSource.AVAILABLE_AT).geq(lit(earliest)));
      }
      events = history.withColumn(BATCH_ID, lit(-1L)).unionByName(events);
    }
    events.write().format("delta").mode("append").option("txnAppId", appId).option("txnVersion", batchId).save(location);
    if (created) {
      new LakeCatalog(spark, layout).register(eventLog(view));
    }
  }

  private boolean sourceExists(SparkSession spark) {
    return view.source().table().isPresent()
        && DeltaTable.isDeltaTable(spark, layout.table(TableName.parse(view.source().table().get())));
  }

  /**
   * How far back a recomputation reads: the longest window when every feature has one; otherwise
   * (a running "last", say) all of the entity's events — a ttl is not enough there, since the
   * entity's own newest event may be older than the batch's earliest one by more than the ttl.
   */
  private Optional<java.time.Duration> streamLookback() {
    return streamLookback(view);
  }

  /** {@link #streamLookback()} of any view: the online lane rebuilds its windows from as far back. */
  static Optional<java.time.Duration> streamLookback(FeatureView view) {
    boolean allWindowed = view.features().stream().allMatch(f -> f.window().isPresent());
    return allWindowed ? Optional.of(view.lookback()) : Optional.empty();
  }

  /**
   * Recomputes the touched entities' timelines from {@code from} on and swaps them in, in one commit.
   *
   * @param touched the touched entities' keys ({@code touchedKeys}) as a local DataFrame, to join the event log with
   */
  private void replaceTimelines(SparkSession spark, Dataset<Row> touched, List<Row> touchedKeys, LocalDateTime from, String appId, long batchId) {
    Dataset<Row> events = spark.read().format("delta").load(layout.table(eventLog(view))).drop(BATCH_ID);
    Optional<java.time.Duration> lookback = streamLookback();
    if (lookback.isPresent()) {
      events = events.where(col(ViewSource.AVAILABLE_AT).geq(lit(from.minus(lookback.get()))));
    }
    Column same = lit(true);
    for (String key : view.entities()) {
      same = same.and(col("e.`" + key + "`").eqNullSafe(col("t.`" + key + "`")));
    }
    events = events.as("e").join(org.apache.spark.sql.functions.broadcast(touched).as("t"), same, "left_semi");
    var emitted = spark.sparkContext().longAccumulator("stream rows of " + view.name());
    Dataset<Row> timeline = Materializer.timeline(view, events, Optional.of(from), Optional.empty(), emitted);
    String location = layout.table(view.offlineTable());
    // The timeline is computed in partitions by entity, and each of them holds rows of every date the
    // batch reaches: written as they are, every task writes a file per date (about 250 a batch of a
    // million events). Each date in one write task writes a quarter of the files, for every reader of
    // the table. The count is explicit so Spark does not merge the tasks into fewer than the cores can
    // run evenly.
    timeline = timeline.repartition(4 * spark.sparkContext().defaultParallelism(), col(OfflineTable.FEATURE_DATE));
    var writer = timeline.write().format("delta").option("txnAppId", appId).option("txnVersion", batchId)
        .option("userMetadata", "treeline stream " + view.name() + " batch " + batchId);
    if (!DeltaTable.isDeltaTable(spark, location)) {
      writer.mode("append").partitionBy(OfflineTable.FEATURE_DATE).save(location);
      new LakeCatalog(spark, layout).register(view.offlineTable());
    } else {
      writer.mode("overwrite").option("replaceWhere", replacedRows(from, touchedKeys)).save(location);
    }
  }

  /** The rows a batch replaces: those of the touched entities from its earliest availability time on. */
  String replacedRows(LocalDateTime from, List<Row> touchedKeys) {
    String since = OfflineTable.FEATURE_DATE + " >= DATE'" + from.toLocalDate() + "' AND "
        + OfflineTable.FEATURE_TIME + " >= TIMESTAMP_NTZ'" + SQL_TIME.format(from) + "'";
    String columns = view.entities().stream().map(k -> "`" + k + "`").collect(Collectors.joining(", "));
    String values = touchedKeys.stream().map(row -> {
      List<String> literals = new ArrayList<>();
      for (int i = 0; i < row.size(); i++) {
        literals.add(literal(row.get(i)));
      }
      return row.size() == 1 ? literals.get(0) : "(" + String.join(", ", literals) + ")";
    }).collect(Collectors.joining(", "));
    return since + " AND " + (view.entities().size() == 1 ? columns : "(" + columns + ")") + " IN (" + values + ")";
  }

  private static String literal(Object value) {
    if (value == null) {
      return "NULL";
    }
    if (value instanceof Number || value instanceof Boolean) {
      return value.toString();
    }
    return "'" + value.toString().replace("\\", "\\\\").replace("'", "\\'") + "'";
  }

  /**
   * Writes, for every entity whose values changed between the clock before the batch and after it
   * (touched by the batch, or with a window edge passing in between), its latest row as of the new
   * clock — the newest event time: a value whose availability lies beyond it (a delay known only
   * once the flight lands) is not known yet, and goes online with the batch whose clock passes it.
   * Returns the entities written.
   */
  private long pushOnline(SparkSession spark, StreamClock before, StreamClock after, Optional<LocalDateTime> from) {
    if (store == null || !after.started() || (from.isEmpty() && before.equals(after))) {
      return 0;
    }
    String location = layout.table(view.offlineTable());
    if (!DeltaTable.isDeltaTable(spark, location)) {
      return 0; // every event so far was filtered out by the view
    }
    long lower = Math.min(from.map(Micros::of).orElse(Long.MAX_VALUE), before.newestEventMicros());
    Dataset<Row> changed = spark.read().format("delta").load(location);
    if (lower != Long.MIN_VALUE) {
      LocalDateTime since = Micros.time(lower);
      changed = changed.where(col(OfflineTable.FEATURE_DATE).geq(lit(since.toLocalDate())).and(col(OfflineTable.FEATURE_TIME).geq(lit(since))));
    }
    LocalDateTime now = Micros.time(after.newestEventMicros());
    return store.write(LatestValues.table(view), LatestValues.of(view, changed, Optional.of(now.plusNanos(1000)), LocalDateTime.now()));
  }

  private void pauseIfAsked(long batchId) {
    String pause = System.getProperty(PAUSE_PROPERTY);
    if (pause == null || Long.parseLong(pause) != batchId) {
      return;
    }
    LOG.warn("{} batch {}: paused after the Delta writes, before the online write ({}); waiting to be killed", view.name(), batchId, PAUSE_PROPERTY);
    try {
      java.nio.file.Files.writeString(java.nio.file.Path.of(System.getProperty("treeline.test.pause-marker", "paused")), view.name() + " " + batchId);
      Thread.sleep(Long.MAX_VALUE);
    } catch (java.io.IOException | InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("pause interrupted", e);
    }
  }

  /** The earlier of two times, either of which may be null (as SQL's min skips nulls). */
  private static LocalDateTime earlier(LocalDateTime a, LocalDateTime b) {
    return a == null ? b : b == null || !b.isBefore(a) ? a : b;
  }

  private static LocalDateTime later(LocalDateTime a, LocalDateTime b) {
    return a == null ? b : b == null || !b.isAfter(a) ? a : b;
  }

}
