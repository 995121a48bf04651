package io.treeline.featurestore.online;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.row_number;

import io.delta.tables.DeltaTable;
import io.treeline.core.lake.LakeLayout;
import io.treeline.core.lake.TableName;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataTypes;

/**
 * The embedded online store: per view a Delta table {@code online.<view>} with the latest row per
 * entity, written with one MERGE that never replaces a newer row with an older one; reads are an
 * {@link EmbeddedOnlineReader}'s, from an in-memory snapshot of that table read without Spark.
 */
public final class EmbeddedOnlineStore implements OnlineStore {
  public static final String NAMESPACE = EmbeddedOnlineReader.NAMESPACE;

  private final SparkSession spark;
  private final LakeLayout layout;
  private final EmbeddedOnlineReader reader;

  /**
   * @param refreshInterval how often a read may check the table for a newer version; {@code null}
   *     means reads never do (a server calls {@link #refresh} from its own thread, off the request path)
   */
  public EmbeddedOnlineStore(SparkSession spark, LakeLayout layout, Duration refreshInterval) {
    this.spark = spark;
    this.layout = layout;
    this.reader = new EmbeddedOnlineReader(layout, spark.sparkContext().hadoopConfiguration(), refreshInterval);
  }

  public static TableName table(String view) {
    return EmbeddedOnlineReader.table(view);
  }

  @Override
  public long write(OnlineTable table, Dataset<Row> rows) {
    String location = merge(table, rows);
    Row commit = DeltaTable.forPath(spark, location).history(1).select("operationMetrics").first();
    Map<String, String> metrics = commit.getJavaMap(0);
    if (metrics.containsKey("numTargetRowsInserted")) {
      return Long.parseLong(metrics.get("numTargetRowsInserted")) + Long.parseLong(metrics.getOrDefault("numTargetRowsUpdated", "0"));
    }
    return Long.parseLong(metrics.getOrDefault("numOutputRows", "0"));
  }

  /** Without reading the commit's figures back (a job of its own): the rows offered, newer or not. */
  @Override
  public long writeLocal(OnlineTable table, List<Row> rows) {
    if (rows.isEmpty()) {
      return 0;
    }
    merge(table, spark.createDataFrame(rows, rows.get(0).schema()));
    return rows.size();
  }

  /** Merges the newest row per entity in, never replacing a newer one; returns the table's location. */
  private String merge(OnlineTable table, Dataset<Row> rows) {
    Column[] keys = table.entityKeys().stream().map(org.apache.spark.sql.functions::col).toArray(Column[]::new);
    List<Column> columns = new ArrayList<>(List.of(keys));
    columns.add(col(OnlineTable.FEATURE_TIME));
    columns.add(sourceTime(rows));
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
    return location;
  }

  @Override
  public Map<EntityKey, FeatureValues> read(OnlineTable table, Collection<EntityKey> keys) {
    return reader.read(table, keys);
  }

  @Override
  public Freshness freshness(OnlineTable table) {
    return reader.freshness(table);
  }

  /** Checks the view's table for a new Delta version now and loads it if there is one. */
  @Override
  public void refresh(OnlineTable table) {
    reader.refresh(table);
  }

  /** The source_time column of rows that may lack one (null there). */
  private static Column sourceTime(Dataset<Row> rows) {
    return java.util.Arrays.asList(rows.columns()).contains(OnlineTable.SOURCE_TIME)
        ? col(OnlineTable.SOURCE_TIME)
        : lit(null).cast(DataTypes.TimestampNTZType).as(OnlineTable.SOURCE_TIME);
  }

  @Override
  public void close() {
    reader.close();
  }
}
