package io.treeline.featurestore.online;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.row_number;

import io.delta.tables.DeltaTable;
import io.treeline.core.lake.DeltaLogs;
import io.treeline.core.lake.LakeLayout;
import io.treeline.core.lake.TableName;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;

/**
 * The embedded online store: per view a Delta table {@code online.<view>} with the latest row per
 * entity, written with one MERGE that never replaces a newer row with an older one; reads come from
 * an in-memory snapshot of that table, swapped whole when the table's Delta version changes, so a
 * reader never sees half a write and a read costs a hash lookup.
 */
public final class EmbeddedOnlineStore implements OnlineStore {
  public static final String NAMESPACE = "online";

  private final SparkSession spark;
  private final LakeLayout layout;
  private final Duration refreshInterval;
  private final Map<String, Snapshot> snapshots = new ConcurrentHashMap<>();

  /** A view's values as of one Delta version of its online table. */
  private record Snapshot(long version, long checkedAtNanos, Map<EntityKey, FeatureValues> values, Freshness freshness) {}

  /**
   * @param refreshInterval how often a read may check the table for a newer version; {@code null}
   *     means reads never do (a server calls {@link #refresh} from its own thread, off the request path)
   */
  public EmbeddedOnlineStore(SparkSession spark, LakeLayout layout, Duration refreshInterval) {
    this.spark = spark;
    this.layout = layout;
    this.refreshInterval = refreshInterval;
  }

  public static TableName table(String view) {
    return new TableName(NAMESPACE, view);
  }

  @Override
  public long write(OnlineTable table, Dataset<Row> rows) {
    Column[] keys = table.entityKeys().stream().map(org.apache.spark.sql.functions::col).toArray(Column[]::new);
    List<Column> columns = new ArrayList<>(List.of(keys));
    columns.add(col(OnlineTable.FEATURE_TIME));
    columns.add(OnlineTable.sourceTime(rows));
    table.features().forEach(f -> columns.add(col(f)));
    Dataset<Row> newest = rows.select(columns.toArray(Column[]::new))
        .withColumn("__newest", row_number().over(Window.partitionBy(keys).orderBy(col(OnlineTable.FEATURE_TIME).desc())))
        .where(col("__newest").equalTo(1)).drop("__newest");
    String location = layout.table(table(table.view()));
    if (!DeltaTable.isDeltaTable(spark, location)) {
      newest.write().format("delta").mode("append").save(location);
    } else {
      String on = table.entityKeys().stream().map(k -> "t.`" + k + "` <=> s.`" + k + "`").collect(Collectors.joining(" AND "));
      // Schema evolution: an online table written before source_time existed gains the column.
      DeltaTable.forPath(spark, location).as("t")
          .merge(newest.as("s"), on)
          .withSchemaEvolution()
          .whenMatched("s." + OnlineTable.FEATURE_TIME + " >= t." + OnlineTable.FEATURE_TIME).updateAll()
          .whenNotMatched().insertAll()
          .execute();
    }
    Row commit = DeltaTable.forPath(spark, location).history(1).select("operationMetrics").first();
    Map<String, String> metrics = commit.getJavaMap(0);
    if (metrics.containsKey("numTargetRowsInserted")) {
      return Long.parseLong(metrics.get("numTargetRowsInserted")) + Long.parseLong(metrics.getOrDefault("numTargetRowsUpdated", "0"));
    }
    return Long.parseLong(metrics.getOrDefault("numOutputRows", "0"));
  }

  @Override
  public Map<EntityKey, FeatureValues> read(OnlineTable table, Collection<EntityKey> keys) {
    Map<EntityKey, FeatureValues> values = snapshot(table).values();
    Map<EntityKey, FeatureValues> found = new LinkedHashMap<>();
    for (EntityKey key : keys) {
      FeatureValues value = values.get(key);
      if (value != null) {
        found.put(key, value);
      }
    }
    return found;
  }

  @Override
  public Freshness freshness(OnlineTable table) {
    return snapshot(table).freshness();
  }

  /** The view's snapshot, reloaded when the table has a new version (checked at most once per interval). */
  private Snapshot snapshot(OnlineTable table) {
    Snapshot current = snapshots.get(table.view());
    long now = System.nanoTime();
    if (fresh(current, now)) {
      return current;
    }
    synchronized (this) {
      current = snapshots.get(table.view());
      return fresh(current, System.nanoTime()) ? current : reload(table);
    }
  }

  private boolean fresh(Snapshot snapshot, long now) {
    return snapshot != null && (refreshInterval == null || now - snapshot.checkedAtNanos() < refreshInterval.toNanos());
  }

  /** Checks the view's table for a new Delta version now and loads it if there is one. */
  @Override
  public void refresh(OnlineTable table) {
    reload(table);
  }

  private Snapshot reload(OnlineTable table) {
    Snapshot current;
    synchronized (this) {
      current = snapshots.get(table.view());
      String location = layout.table(table(table.view()));
      // A directory listing, not a Spark job, when nothing changed: the common case on every check.
      long latest = DeltaLogs.latestVersion(location, spark.sparkContext().hadoopConfiguration());
      if (current != null && latest >= 0 && current.version() == latest) {
        Snapshot unchanged = new Snapshot(latest, System.nanoTime(), current.values(), current.freshness());
        snapshots.put(table.view(), unchanged);
        return unchanged;
      }
      if (!DeltaTable.isDeltaTable(spark, location)) {
        Snapshot empty = new Snapshot(-1, System.nanoTime(), Map.of(), new Freshness(table.view(), null, null, null, 0));
        snapshots.put(table.view(), empty);
        return empty;
      }
      Row last = DeltaTable.forPath(spark, location).history(1).select("version", "timestamp").first();
      long version = last.getLong(0);
      Snapshot loaded = current != null && current.version() == version
          ? new Snapshot(version, System.nanoTime(), current.values(), current.freshness())
          : load(table, location, version, last.getTimestamp(1).toInstant());
      snapshots.put(table.view(), loaded);
      return loaded;
    }
  }

  private Snapshot load(OnlineTable table, String location, long version, Instant lastWrite) {
    List<Row> rows = spark.read().format("delta").option("versionAsOf", version).load(location).collectAsList();
    Map<EntityKey, FeatureValues> values = new HashMap<>(rows.size() * 2);
    LocalDateTime newest = null;
    LocalDateTime newestSource = null;
    boolean hasSourceTime = rows.isEmpty() || java.util.Arrays.asList(rows.get(0).schema().fieldNames()).contains(OnlineTable.SOURCE_TIME);
    for (Row row : rows) {
      List<String> key = new ArrayList<>();
      for (String column : table.entityKeys()) {
        key.add(String.valueOf(row.get(row.fieldIndex(column))));
      }
      LocalDateTime time = row.getAs(OnlineTable.FEATURE_TIME);
      // Every feature column of the table, not only the ones this caller names: models served side
      // by side may read different features of one view, and they share this snapshot.
      Map<String, Object> features = new LinkedHashMap<>();
      for (String feature : row.schema().fieldNames()) {
        if (!table.entityKeys().contains(feature) && !feature.equals(OnlineTable.FEATURE_TIME) && !feature.equals(OnlineTable.SOURCE_TIME)) {
          features.put(feature, normalize(row.get(row.fieldIndex(feature))));
        }
      }
      values.put(new EntityKey(key), new FeatureValues(time, features));
      newest = newest == null || time.isAfter(newest) ? time : newest;
      LocalDateTime source = hasSourceTime ? row.getAs(OnlineTable.SOURCE_TIME) : null;
      newestSource = source != null && (newestSource == null || source.isAfter(newestSource)) ? source : newestSource;
    }
    return new Snapshot(version, System.nanoTime(), Map.copyOf(values),
        new Freshness(table.view(), newest, newestSource, lastWrite, values.size()));
  }

  /** The same value types as every online store: Long, Double, String, Boolean. */
  static Object normalize(Object value) {
    if (value instanceof Integer || value instanceof Short || value instanceof Byte) {
      return ((Number) value).longValue();
    }
    if (value instanceof Float f) {
      return f.doubleValue();
    }
    return value;
  }

  @Override
  public void close() {
    snapshots.clear();
  }
}
