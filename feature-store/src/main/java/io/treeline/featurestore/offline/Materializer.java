package io.treeline.featurestore.offline;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.to_date;

import io.delta.tables.DeltaTable;
import io.treeline.core.error.Errors;
import io.treeline.core.lake.LakeCatalog;
import io.treeline.core.lake.LakeLayout;
import io.treeline.featurestore.spec.FeatureSpec;
import io.treeline.featurestore.spec.FeatureView;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.LongAccumulator;

/**
 * Computes a feature view into its offline Delta table. A timed view becomes a timeline per entity
 * (see {@link TimelineBuilder}); a range [from, until) replaces exactly the rows of that range in one
 * Delta commit, reading back as far as the longest window (and, for unbounded features, the few
 * older rows they depend on: {@link PriorRows}) so that it gives exactly the rows a full run gives.
 */
public final class Materializer {
  private static final DateTimeFormatter SQL_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS");

  private final SparkSession spark;
  private final LakeLayout layout;

  public Materializer(SparkSession spark, LakeLayout layout) {
    this.spark = spark;
    this.layout = layout;
  }

  /**
   * What one view's materialization wrote; {@code unplacedRows} source rows had no event time (or one
   * that does not parse) and were left out, {@code unplacedExample} names one of them.
   */
  public record Result(String view, String table, long rowsWritten, long deltaVersion, String range, long unplacedRows,
      Optional<String> unplacedExample) {}

  public Result materialize(FeatureView view, Optional<LocalDateTime> from, Optional<LocalDateTime> until) {
    return materialize(view, from, until, false);
  }

  /** @param strict refuse to write anything (exit 2) when a source row cannot be placed in time */
  public Result materialize(FeatureView view, Optional<LocalDateTime> from, Optional<LocalDateTime> until, boolean strict) {
    if (from.isPresent() && until.isPresent() && !from.get().isBefore(until.get())) {
      throw Errors.invalidInput("materialize", "view " + view.name(), "--from " + from.get() + " is not before --until " + until.get(),
          "Give a range with from < until.");
    }
    String location = layout.table(view.offlineTable());
    boolean ranged = view.timed() && (from.isPresent() || until.isPresent());
    if (ranged && DeltaTable.isDeltaTable(spark, location)) {
      OfflineTable.requireSourceTime(view, spark.read().format("delta").load(location).schema());
    }
    if (strict && view.timed()) {
      refuseUnplaced(view);
    }
    LongAccumulator emitted = spark.sparkContext().longAccumulator("rows of " + view.name());
    UnplacedRows unplaced = UnplacedRows.register(spark, view.name(), view.entities());
    Dataset<Row> rows = view.timed() ? timeline(view, from, until, emitted, unplaced) : staticRows(view);
    var writer = rows.write().format("delta").option("userMetadata", "treeline features materialize " + view.name());
    String range = "all";
    if (ranged) {
      String predicate = rangePredicate(from, until);
      writer = writer.mode("overwrite").option("replaceWhere", predicate);
      range = predicate;
      if (!DeltaTable.isDeltaTable(spark, location)) {
        writer = writer.partitionBy(OfflineTable.FEATURE_DATE);
      }
    } else {
      writer = writer.mode("overwrite").option("overwriteSchema", "true");
      if (view.timed()) {
        writer = writer.partitionBy(OfflineTable.FEATURE_DATE);
      }
    }
    save(writer, location, view);
    new LakeCatalog(spark, layout).register(view.offlineTable());
    Row commit = DeltaTable.forPath(spark, location).history(1).select("version", "operationMetrics").first();
    Map<String, String> metrics = commit.getJavaMap(1);
    // With a range, Delta also counts the rows it copies out of files it rewrites; count ours instead.
    long written = view.timed() ? emitted.value() : Long.parseLong(metrics.getOrDefault("numOutputRows", "0"));
    return new Result(view.name(), view.offlineTable().toString(), written, commit.getLong(0), range, unplaced.count(), unplaced.example());
  }

  /** --strict: one pass over the source's times before anything is written. */
  private void refuseUnplaced(FeatureView view) {
    Dataset<Row> unplaced = ViewSource.prepared(spark, layout, view).where(col(ViewSource.EVENT_TIME).isNull());
    long count = unplaced.count();
    if (count > 0) {
      throw Errors.invalidInput("materialize", "view " + view.name(),
          String.format("%,d source rows have no event time, or one that does not parse as a timestamp (for example %s)", count,
              UnplacedRows.describe(view.entities(), unplaced.first())),
          "Fix or filter those rows (source.filter), or run without --strict to leave them out with a warning.");
    }
  }

  /**
   * Writes in one Delta commit. A concurrent writer of another range can make the commit conflict;
   * the write replaces a fixed range, so it is retried (three attempts, backing off), then reported
   * as a conflict a later retry may resolve (exit 3).
   */
  private static void save(org.apache.spark.sql.DataFrameWriter<Row> writer, String location, FeatureView view) {
    for (int attempt = 1; ; attempt++) {
      try {
        writer.save(location);
        return;
      } catch (io.delta.exceptions.DeltaConcurrentModificationException e) {
        if (attempt == 3) {
          throw Errors.conflict("materialize", "view " + view.name(), e.getMessage().lines().findFirst().orElse(""), e);
        }
        try {
          Thread.sleep(200L << (2 * attempt));
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          throw Errors.conflict("materialize", "view " + view.name(), "interrupted while retrying", e);
        }
      }
    }
  }

  private Dataset<Row> timeline(
      FeatureView view, Optional<LocalDateTime> from, Optional<LocalDateTime> until, LongAccumulator emitted, UnplacedRows unplaced) {
    Dataset<Row> prepared = ViewSource.prepared(spark, layout, view);
    // Rows without a time go through to the builder, which counts them (a range run reports them too).
    Column unplacedRow = col(ViewSource.EVENT_TIME).isNull();
    if (from.isPresent()) {
      LocalDateTime readFrom = from.get().minus(view.lookback());
      Dataset<Row> recent = prepared.where(col(ViewSource.AVAILABLE_AT).geq(lit(readFrom)).or(unplacedRow));
      if (view.hasUnboundedFeatures()) {
        recent = recent.unionByName(PriorRows.of(view, prepared.where(col(ViewSource.AVAILABLE_AT).lt(lit(readFrom)))));
      }
      prepared = recent;
    }
    if (until.isPresent()) {
      // An event after the range cannot be known inside it: the event time alone prunes it.
      prepared = prepared.where(col(ViewSource.EVENT_TIME).lt(lit(until.get())).and(col(ViewSource.AVAILABLE_AT).lt(lit(until.get())))
          .or(unplacedRow));
    }
    return timeline(view, prepared, from, until, emitted, unplaced);
  }

  /**
   * The view's timeline rows (with feature_date) of the {@link ViewSource#prepared} rows given, from
   * change point {@code from} to {@code until}. The rows must reach back a lookback before {@code
   * from} for the values near it to be right. Counts the rows into {@code emitted} as they are made.
   */
  public static Dataset<Row> timeline(
      FeatureView view, Dataset<Row> prepared, Optional<LocalDateTime> from, Optional<LocalDateTime> until, LongAccumulator emitted) {
    return timeline(view, prepared, from, until, emitted, UnplacedRows.register(prepared.sparkSession(), view.name(), view.entities()));
  }

  private static Dataset<Row> timeline(FeatureView view, Dataset<Row> prepared, Optional<LocalDateTime> from,
      Optional<LocalDateTime> until, LongAccumulator emitted, UnplacedRows unplaced) {
    List<Column> keys = view.entities().stream().map(org.apache.spark.sql.functions::col).toList();
    List<Column> order = new ArrayList<>(keys);
    order.add(col(ViewSource.AVAILABLE_AT));
    order.add(col(ViewSource.EVENT_TIME));
    // Values last: ties in availability then resolve the same way on every run, so "last" is stable.
    view.features().forEach(f -> order.add(col(ViewSource.valueColumn(f))));
    TimelineBuilder builder = new TimelineBuilder(view.features(), view.entities().size(),
        from.map(Micros::of).orElse(Long.MIN_VALUE), until.map(Micros::of).orElse(Long.MAX_VALUE), unplaced);
    var schema = OfflineTable.timelineSchema(view, prepared.schema());
    Dataset<Row> timeline = prepared
        .repartition(keys.toArray(Column[]::new))
        .sortWithinPartitions(order.toArray(Column[]::new))
        .mapPartitions((MapPartitionsFunction<Row, Row>) sorted -> counted(builder.build(sorted), emitted), Encoders.row(schema));
    return timeline.withColumn(OfflineTable.FEATURE_DATE, to_date(col(OfflineTable.FEATURE_TIME)));
  }

  private Dataset<Row> staticRows(FeatureView view) {
    Dataset<Row> source = ViewSource.rows(spark, layout, view);
    List<Column> columns = new ArrayList<>();
    view.entities().forEach(k -> columns.add(col(k)));
    for (FeatureSpec feature : view.features()) {
      columns.add(expr(feature.valueExpression()).as(feature.name()));
    }
    Dataset<Row> rows = source.select(columns.toArray(Column[]::new));
    Column[] keys = view.entities().stream().map(org.apache.spark.sql.functions::col).toArray(Column[]::new);
    long duplicated = rows.groupBy(keys).agg(count(lit(1)).as("n")).where("n > 1").count();
    if (duplicated > 0) {
      throw Errors.invalidInput("materialize", "view " + view.name(),
          duplicated + " entities have more than one row in " + view.source().describe(),
          "A view without event_time holds one row per entity: add a source.filter, or add event_time.");
    }
    return rows;
  }

  private static Iterator<Row> counted(Iterator<Row> rows, LongAccumulator counter) {
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return rows.hasNext();
      }

      @Override
      public Row next() {
        counter.add(1);
        return rows.next();
      }
    };
  }

  static String rangePredicate(Optional<LocalDateTime> from, Optional<LocalDateTime> until) {
    List<String> parts = new ArrayList<>();
    from.ifPresent(t -> parts.add(OfflineTable.FEATURE_DATE + " >= DATE'" + t.toLocalDate() + "' AND "
        + OfflineTable.FEATURE_TIME + " >= TIMESTAMP_NTZ'" + SQL_TIME.format(t) + "'"));
    until.ifPresent(t -> parts.add(OfflineTable.FEATURE_DATE + " <= DATE'" + t.toLocalDate() + "' AND "
        + OfflineTable.FEATURE_TIME + " < TIMESTAMP_NTZ'" + SQL_TIME.format(t) + "'"));
    return String.join(" AND ", parts);
  }
}
