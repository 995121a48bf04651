package io.treeline.jobs.score;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.to_json;

import io.delta.tables.DeltaTable;
import io.treeline.core.lake.LakeCatalog;
import io.treeline.core.lake.LakeLayout;
import io.treeline.core.lake.TableName;
import io.treeline.modelpackage.ModelManifest;
import io.treeline.modelpackage.ModelManifest.FeatureViewDependency;
import io.treeline.modelpackage.ModelManifest.RequestFeature;
import io.treeline.serving.compile.CompiledPipeline;
import io.treeline.serving.inference.InferenceLogSchema;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;

/**
 * Appends a scoring run's predictions to the inference log the prediction server writes
 * ({@code monitoring.inference_log}, see docs/serving.md), flagged {@code origin = 'batch'}, so
 * monitoring reads online and batch predictions from one table with one schema.
 */
final class BatchInferenceLog {
  static final TableName TABLE = new TableName("monitoring", "inference_log");
  /** Commits a server replica or two can make between our append and our look at the history. */
  private static final int HISTORY_SEARCHED = 100;

  private final SparkSession spark;
  private final LakeLayout layout;

  BatchInferenceLog(SparkSession spark, LakeLayout layout) {
    this.spark = spark;
    this.layout = layout;
  }

  /**
   * @param scored the scored rows: the input's columns, every model input, prediction, probability
   * @param runTag names this run in request_id ({@code score-<tag>-<row>})
   */
  long append(Dataset<Row> scored, List<String> inputColumns, ScoringModel model, String runTag, java.sql.Timestamp scoredAt) {
    String location = layout.table(TABLE);
    // Made with the server's own schema when absent, so the server's Kernel appends find the shape they require.
    spark.sql("CREATE TABLE IF NOT EXISTS delta.`" + location + "` (" + InferenceLogSchema.DDL + ") USING delta PARTITIONED BY ("
        + InferenceLogSchema.PARTITION_COLUMN + ") TBLPROPERTIES ('" + InferenceLogSchema.LOG_RETENTION_PROPERTY + "' = '"
        + InferenceLogSchema.LOG_RETENTION + "')");
    addMissingColumns(location);
    Dataset<Row> rows = scored.select(columns(scored, inputColumns, model, runTag, scoredAt).toArray(Column[]::new));
    String commitTag = "treeline score " + runTag;
    rows.write().format("delta").mode("append").option("userMetadata", commitTag).save(location);
    new LakeCatalog(spark, layout).register(TABLE);
    // The rows come from our commit's metrics, not a scan of the whole log; servers may have committed after it.
    Row commit = DeltaTable.forPath(spark, location).history(HISTORY_SEARCHED).where(col("userMetadata").equalTo(commitTag))
        .select("operationMetrics").first();
    return Long.parseLong(commit.<String, String>getJavaMap(0).getOrDefault("numOutputRows", "0"));
  }

  private static List<Column> columns(Dataset<Row> scored, List<String> inputColumns, ScoringModel model, String runTag,
      java.sql.Timestamp scoredAt) {
    ModelManifest manifest = model.manifest();
    Column requestId = concat(lit("score-" + runTag + "-"), org.apache.spark.sql.functions.monotonically_increasing_id().cast(DataTypes.StringType));
    List<Column> request = inputColumns.stream().map(c -> col("`" + c + "`").as(c)).toList();
    List<Column> columns = new ArrayList<>();
    columns.add(requestId.as("request_id"));
    columns.add(lit(0).as("record_index"));
    columns.add(lit(scoredAt).as("logged_at"));
    // The log's date is the UTC date of logged_at, whatever the session's time zone.
    columns.add(lit(java.sql.Date.valueOf(scoredAt.toInstant().atZone(java.time.ZoneOffset.UTC).toLocalDate())).as("date"));
    columns.add(lit("batch").as("origin"));
    columns.add(lit("score").as("route"));
    columns.add(lit(null).cast(DataTypes.StringType).as("served_name"));
    columns.add(lit(model.version().model()).as("model_name"));
    columns.add(lit(model.version().version()).cast(DataTypes.LongType).as("model_version"));
    columns.add(lit(model.runId()).as("run_id"));
    columns.add(to_json(struct(request.toArray(Column[]::new))).as("request"));
    columns.add(array(features(model.compiled(), manifest).toArray(Column[]::new)).as("features"));
    columns.add(col(ScoreBatch.PREDICTION).as("prediction"));
    columns.add((model.compiled().classifier() ? col(ScoreBatch.PROBABILITY) : lit(null)).cast(DataTypes.DoubleType).as("probability"));
    columns.add(lit(null).cast(DataTypes.DoubleType).as("latency_ms"));
    columns.add(lit("batch:" + spark(scored)).as("server"));
    columns.add(lit(null).cast(DataTypes.StringType).as("arm"));
    return columns;
  }

  /** A log made before the columns added since its first release gets them (metadata only; older rows read null). */
  private void addMissingColumns(String location) {
    List<String> present = List.of(spark.read().format("delta").load(location).columns());
    List<String> missing = InferenceLogSchema.ADDED_COLUMNS.stream().filter(c -> !present.contains(c)).toList();
    if (!missing.isEmpty()) {
      spark.sql("ALTER TABLE delta.`" + location + "` ADD COLUMNS (" + String.join(" STRING, ", missing) + " STRING)");
    }
  }

  /** One entry per model input, with where its value came from, as the server logs them. */
  private static List<Column> features(CompiledPipeline compiled, ModelManifest manifest) {
    Map<String, String[]> origin = new LinkedHashMap<>();
    for (RequestFeature feature : manifest.requestFeatures()) {
      origin.put(feature.name(), new String[] {null, feature.expr() != null ? "derived" : "request"});
    }
    for (FeatureViewDependency view : manifest.featureViews()) {
      view.columns().forEach(column -> origin.put(column.column(), new String[] {view.view(), "online_store"}));
    }
    List<Column> entries = new ArrayList<>();
    for (CompiledPipeline.Input input : compiled.inputs().values()) {
      String[] from = origin.getOrDefault(input.name(), new String[] {null, "request"});
      Column typed = col("`" + CompiledScoring.typedName(input.name()) + "`");
      // A looked-up value the join did not find is what the server would log as missing.
      Column source = from[1].equals("online_store") ? org.apache.spark.sql.functions.when(typed.isNull(), lit("missing")).otherwise(lit(from[1]))
          : lit(from[1]);
      entries.add(struct(lit(input.name()).as("name"), lit(from[0]).cast(DataTypes.StringType).as("view"), source.as("source"),
          (input.numeric() ? typed : lit(null)).cast(DataTypes.DoubleType).as("number"),
          (input.numeric() ? lit(null) : typed).cast(DataTypes.StringType).as("text"),
          lit(null).cast(DataTypes.TimestampType).as("feature_time")));
    }
    return entries;
  }

  private static String spark(Dataset<Row> rows) {
    return rows.sparkSession().sparkContext().applicationId();
  }
}
