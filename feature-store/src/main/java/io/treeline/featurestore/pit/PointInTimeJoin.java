package io.treeline.featurestore.pit;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.last;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.when;

import io.treeline.core.error.Errors;
import io.treeline.core.lake.FeatureColumn;
import io.treeline.featurestore.offline.OfflineTable;
import io.treeline.featurestore.spec.FeatureView;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Adds a view's features to every row of a spine as they were known strictly before the row's
 * event time. Sort-based: spine rows and the view's timeline rows are unioned, ordered per entity
 * by time (a timeline row at the very same moment sorts after the spine row, so it is not yet
 * known), and the last timeline row is carried forward — one shuffle, O(n log n), no inequality join.
 * Spine rows are never dropped or duplicated; values whose newest source row became known longer
 * than the view's ttl before the event time become null (see {@link Ttl}).
 */
public final class PointInTimeJoin {
  private static final String TIME = "__pit_time";
  private static final String KIND = "__pit_kind";
  private static final String VALUES = "__pit_values";
  private static final String KNOWN = "__pit_known";
  private static final String NEWEST = "__pit_newest";

  private PointInTimeJoin() {}

  /** The training-set column of a view's feature (see {@link FeatureColumn}). */
  public static String columnName(String view, String feature) {
    return new FeatureColumn(view, feature).column();
  }

  /** The join over the view's whole timeline. */
  public static Dataset<Row> join(Dataset<Row> spine, String eventTime, FeatureView view, Dataset<Row> offline, List<String> features) {
    return join(spine, eventTime, view, offline, features, Optional.empty());
  }

  /**
   * The join reading only the timeline rows that can be known at some spine row: those between the
   * spine's earliest and latest event time, and each entity's last rows before the earliest. The
   * answer is the same as over the whole timeline; {@code times} must be the spine's own.
   */
  public static Dataset<Row> join(Dataset<Row> spine, String eventTime, FeatureView view, Dataset<Row> offline, List<String> features,
      SpineTimes times) {
    return join(spine, eventTime, view, offline, features, Optional.of(times));
  }

  private static Dataset<Row> join(Dataset<Row> spine, String eventTime, FeatureView view, Dataset<Row> offline, List<String> features,
      Optional<SpineTimes> times) {
    for (String key : view.entities()) {
      if (!List.of(spine.columns()).contains(key)) {
        throw Errors.invalidInput("join", "view " + view.name(), "the spine has no entity key column '" + key + "' (columns: "
            + String.join(", ", spine.columns()) + ")", "Select a column named " + key + " in the spine.");
      }
    }
    if (!view.timed()) {
      return byKey(spine, view, offline, features);
    }
    return asOf(spine, eventTime, view, times.isPresent() ? knowableAt(offline, view, times.get()) : offline, features);
  }

  /**
   * The timeline rows some spine row can see: a spine row sees the last row strictly before it, so
   * rows after the latest event time never count, and of the rows before the earliest only each
   * entity's newest (all of them, when several share that moment, as the full sort would see them),
   * and with a ttl only if it is not stale already at the earliest.
   */
  private static Dataset<Row> knowableAt(Dataset<Row> offline, FeatureView view, SpineTimes times) {
    if (times.earliest().isEmpty()) {
      return offline.limit(0);
    }
    LocalDateTime earliest = times.earliest().get();
    LocalDateTime latest = times.latest().orElseThrow();
    Column time = col(OfflineTable.FEATURE_TIME);
    boolean partitioned = List.of(offline.columns()).contains(OfflineTable.FEATURE_DATE);
    Column during = time.geq(lit(earliest)).and(time.leq(lit(latest)));
    if (partitioned) {
      // Said of the partition column too, so only those days' files are read.
      Column date = col(OfflineTable.FEATURE_DATE);
      during = during.and(date.geq(lit(earliest.toLocalDate()))).and(date.leq(lit(latest.toLocalDate())));
    }
    Column beforeEarliest = time.lt(lit(earliest));
    if (view.ttl().isPresent()) {
      // A row is never fresher than its feature_time (source_time <= feature_time, as the timeline
      // builder writes them), so one older than the earliest event time less the ttl is stale at every
      // spine row, and so is every row before it: dropping them turns a stale value into no value,
      // null either way. What is left is a ttl's worth of partitions, not the whole history.
      LocalDateTime oldest = earliest.minus(view.ttl().get().duration());
      beforeEarliest = beforeEarliest.and(time.geq(lit(oldest)));
      if (partitioned) {
        beforeEarliest = beforeEarliest.and(col(OfflineTable.FEATURE_DATE).geq(lit(oldest.toLocalDate())));
      }
    }
    Dataset<Row> before = offline.where(beforeEarliest);
    // The newest moment per entity, under names of its own so the join with its own source is not a self-join.
    List<Column> grouped = new ArrayList<>();
    Column same = col(OfflineTable.FEATURE_TIME).equalTo(col(NEWEST));
    for (int i = 0; i < view.entities().size(); i++) {
      String key = view.entities().get(i);
      grouped.add(col(key).as(NEWEST + "_key" + i));
      same = same.and(col(key).equalTo(col(NEWEST + "_key" + i)));
    }
    Dataset<Row> newest = before.groupBy(view.entities().stream().map(org.apache.spark.sql.functions::col).toArray(Column[]::new))
        .agg(max(time).as(NEWEST));
    grouped.add(col(NEWEST));
    Dataset<Row> lastBefore = before.join(newest.select(grouped.toArray(Column[]::new)), same, "left_semi");
    return offline.where(during).unionByName(lastBefore);
  }

  private static Dataset<Row> asOf(Dataset<Row> spine, String eventTime, FeatureView view, Dataset<Row> offline, List<String> features) {
    StructType spineSchema = spine.schema();
    List<Column> valueFields = new ArrayList<>();
    OfflineTable.requireSourceTime(view, offline.schema());
    valueFields.add(col(OfflineTable.SOURCE_TIME).as(OfflineTable.SOURCE_TIME));
    features.forEach(f -> valueFields.add(col(f).as(f)));
    Column values = struct(valueFields.toArray(Column[]::new));
    StructType valuesType = (StructType) offline.select(values).schema().fields()[0].dataType();

    List<Column> spineSide = new ArrayList<>();
    List<Column> timelineSide = new ArrayList<>();
    for (StructField field : spineSchema.fields()) {
      spineSide.add(col(field.name()));
      timelineSide.add(view.entities().contains(field.name())
          ? col(field.name()).cast(field.dataType()).as(field.name())
          : lit(null).cast(field.dataType()).as(field.name()));
    }
    spineSide.add(col(eventTime).cast(DataTypes.TimestampNTZType).as(TIME));
    spineSide.add(lit(0).as(KIND));
    spineSide.add(lit(null).cast(valuesType).as(VALUES));
    timelineSide.add(col(OfflineTable.FEATURE_TIME).as(TIME));
    timelineSide.add(lit(1).as(KIND));
    timelineSide.add(values.as(VALUES));

    Column[] keys = view.entities().stream().map(org.apache.spark.sql.functions::col).toArray(Column[]::new);
    WindowSpec history = Window.partitionBy(keys).orderBy(col(TIME), col(KIND))
        .rowsBetween(Window.unboundedPreceding(), Window.currentRow());
    Dataset<Row> carried = spine.select(spineSide.toArray(Column[]::new))
        .unionByName(offline.select(timelineSide.toArray(Column[]::new)))
        .withColumn(KNOWN, last(col(VALUES), true).over(history))
        .where(col(KIND).equalTo(0));

    Column usable = col(KNOWN).isNotNull();
    for (String key : view.entities()) {
      usable = usable.and(col(key).isNotNull());
    }
    if (view.ttl().isPresent()) {
      usable = usable.and(Ttl.fresh(view.ttl().get(), col(KNOWN + "." + OfflineTable.SOURCE_TIME), col(TIME)));
    }
    List<Column> output = new ArrayList<>();
    for (String name : spineSchema.fieldNames()) {
      output.add(col(name));
    }
    for (String feature : features) {
      output.add(when(usable, col(KNOWN + "." + feature)).as(columnName(view.name(), feature)));
    }
    return carried.select(output.toArray(Column[]::new));
  }

  private static Dataset<Row> byKey(Dataset<Row> spine, FeatureView view, Dataset<Row> offline, List<String> features) {
    List<Column> columns = new ArrayList<>();
    for (String key : view.entities()) {
      columns.add(col(key).cast(spine.schema().apply(key).dataType()).as(key));
    }
    features.forEach(f -> columns.add(col(f).as(columnName(view.name(), f))));
    Dataset<Row> right = org.apache.spark.sql.functions.broadcast(offline.select(columns.toArray(Column[]::new)));
    Dataset<Row> joined = spine.join(right, CollectionConverters.asScala(view.entities()).toSeq(), "left_outer");
    // A USING join moves the keys first; keep the spine's column order.
    List<Column> output = new ArrayList<>();
    for (String name : spine.columns()) {
      output.add(col(name));
    }
    features.forEach(f -> output.add(col(columnName(view.name(), f))));
    return joined.select(output.toArray(Column[]::new));
  }
}
