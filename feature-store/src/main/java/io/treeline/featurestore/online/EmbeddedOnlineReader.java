package io.treeline.featurestore.online;

import io.treeline.core.lake.DeltaLogs;
import io.treeline.core.lake.KernelTables;
import io.treeline.core.lake.LakeLayout;
import io.treeline.core.lake.TableContents;
import io.treeline.core.lake.TableName;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.hadoop.conf.Configuration;

/**
 * Reads the embedded online store without Spark: per view an in-memory snapshot of its Delta table
 * {@code online.<view>}, read with Delta Kernel and swapped whole when the table's Delta version
 * changes, so a reader never sees half a write and a read costs a hash lookup.
 */
public final class EmbeddedOnlineReader implements OnlineReader {
  public static final String NAMESPACE = "online";

  private final LakeLayout layout;
  private final Configuration hadoop;
  private final KernelTables tables;
  private final Duration refreshInterval;
  private final Map<String, Snapshot> snapshots = new ConcurrentHashMap<>();

  /** A view's values as of one Delta version of its online table. */
  private record Snapshot(long version, long checkedAtNanos, Map<EntityKey, FeatureValues> values, Freshness freshness) {}

  /**
   * @param refreshInterval how often a read may check the table for a newer version; {@code null}
   *     means reads never do (a server calls {@link #refresh} from its own thread, off the request path)
   */
  public EmbeddedOnlineReader(LakeLayout layout, Configuration hadoop, Duration refreshInterval) {
    this.layout = layout;
    this.hadoop = hadoop;
    this.tables = new KernelTables(hadoop);
    this.refreshInterval = refreshInterval;
  }

  /** The view's online table, {@code online.<view>}. */
  public static TableName table(String view) {
    return new TableName(NAMESPACE, view);
  }

  @Override
  public Map<EntityKey, FeatureValues> read(OnlineTable table, Collection<EntityKey> keys) {
    Map<EntityKey, FeatureValues> values = snapshot(table).values();
    if (keys.size() == 1) {
      // A one-record request's lookup, the usual one: no map to build.
      EntityKey key = keys instanceof List<EntityKey> list ? list.get(0) : keys.iterator().next();
      FeatureValues value = values.get(key);
      return value == null ? Map.of() : Map.of(key, value);
    }
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

  /** Checks the view's table for a new Delta version now and loads it if there is one. */
  @Override
  public void refresh(OnlineTable table) {
    reload(table);
  }

  @Override
  public void close() {
    snapshots.clear();
  }

  /** The view's snapshot, reloaded when the table has a new version (checked at most once per interval). */
  private Snapshot snapshot(OnlineTable table) {
    Snapshot current = snapshots.get(table.view());
    if (fresh(current, System.nanoTime())) {
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

  private synchronized Snapshot reload(OnlineTable table) {
    Snapshot current = snapshots.get(table.view());
    String location = layout.table(table(table.view()));
    // A directory listing, not a read of the log, when nothing changed: the common case on every check.
    long latest = DeltaLogs.latestVersion(location, hadoop);
    if (current != null && latest >= 0 && current.version() == latest) {
      Snapshot unchanged = new Snapshot(latest, System.nanoTime(), current.values(), current.freshness());
      snapshots.put(table.view(), unchanged);
      return unchanged;
    }
    Optional<TableContents> contents = tables.read(location);
    Snapshot loaded;
    if (contents.isEmpty()) {
      loaded = new Snapshot(-1, System.nanoTime(), Map.of(), new Freshness(table.view(), null, null, null, 0));
    } else if (current != null && current.version() == contents.get().version()) {
      loaded = new Snapshot(current.version(), System.nanoTime(), current.values(), current.freshness());
    } else {
      loaded = load(table, contents.get());
    }
    snapshots.put(table.view(), loaded);
    return loaded;
  }

  private static Snapshot load(OnlineTable table, TableContents contents) {
    Map<EntityKey, FeatureValues> values = new HashMap<>(contents.rows().size() * 2);
    LocalDateTime newest = null;
    LocalDateTime newestSource = null;
    for (Map<String, Object> row : contents.rows()) {
      List<String> key = new ArrayList<>();
      for (String column : table.entityKeys()) {
        key.add(String.valueOf(row.get(column)));
      }
      LocalDateTime time = (LocalDateTime) row.get(OnlineTable.FEATURE_TIME);
      // Every feature column of the table, not only the ones this caller names: models served side
      // by side may read different features of one view, and they share this snapshot.
      Map<String, Object> features = new LinkedHashMap<>();
      row.forEach((column, value) -> {
        if (!table.entityKeys().contains(column) && !column.equals(OnlineTable.FEATURE_TIME) && !column.equals(OnlineTable.SOURCE_TIME)) {
          features.put(column, normalize(value));
        }
      });
      values.put(new EntityKey(key), new FeatureValues(time, features));
      newest = newest == null || time.isAfter(newest) ? time : newest;
      // A table written before source_time existed has no such column: null, as for a writer that gave none.
      LocalDateTime source = (LocalDateTime) row.get(OnlineTable.SOURCE_TIME);
      newestSource = source != null && (newestSource == null || source.isAfter(newestSource)) ? source : newestSource;
    }
    return new Snapshot(contents.version(), System.nanoTime(), Map.copyOf(values),
        new Freshness(table.view(), newest, newestSource, contents.commitTime(), values.size()));
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
}
