package io.treeline.jobs.score;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import io.treeline.core.error.Errors;
import io.treeline.core.lake.LakeCatalog;
import io.treeline.core.lake.TableName;
import io.treeline.featurestore.pit.FeatureRef;
import io.treeline.featurestore.pit.TrainingSetBuilder;
import io.treeline.featurestore.spec.FeatureRepository;
import io.treeline.featurestore.spec.FeatureView;
import io.treeline.jobs.features.FeatureViews;
import io.treeline.jobs.runtime.Job;
import io.treeline.jobs.runtime.JobContext;
import io.treeline.jobs.runtime.JobResult;
import io.treeline.modelpackage.ModelManifest;
import io.treeline.modelpackage.ModelManifest.FeatureViewDependency;
import io.treeline.registry.ModelRef;
import io.treeline.registry.ModelVersion;
import io.treeline.serving.compile.CompiledPipeline;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;

/**
 * Scores a table (or a query) with a registered version: each row gets the model's features from
 * the feature store as of its own moment (or of one --as-of moment), the request features computed
 * as at training, and the prediction of the pipeline compiled as serving compiles it, run on the
 * executors. Writes a Delta table with the rows' columns, the prediction and where it came from.
 */
public final class ScoreBatch implements Job<ScoreBatch.Result> {
  public static final String PREDICTION = "prediction";
  public static final String PROBABILITY = "probability";
  public static final String SCORED_AT = "scored_at";

  private final String model;
  private final ScoringInput input;
  private final TableName out;
  private final ScoreWriteMode mode;
  private final List<String> keep;
  private final boolean withFeatures;
  private final boolean logInferences;

  /**
   * @param keep the input columns to carry into the output; empty carries them all
   * @param logInferences also append every prediction to monitoring.inference_log, flagged as batch
   */
  public ScoreBatch(String model, ScoringInput input, TableName out, ScoreWriteMode mode, List<String> keep, boolean withFeatures,
      boolean logInferences) {
    ModelRef.parse(model);
    this.model = model;
    this.input = input;
    this.out = out;
    this.mode = mode;
    this.keep = List.copyOf(keep);
    this.withFeatures = withFeatures;
    this.logInferences = logInferences;
  }

  public record Result(String table, long rows, long deltaVersion, ModelVersion version, String runId, ScoreWriteMode mode,
      Map<String, Long> inputVersions, long loggedRows, Map<String, Double> phaseSeconds, double elapsedSeconds) implements JobResult {
    @Override
    public String summaryLine() {
      return String.format("Scored %,d rows with %s into %s (%s), Delta version %d, in %.1f s%s", rows, version, table, mode, deltaVersion,
          elapsedSeconds, loggedRows > 0 ? String.format("; logged %,d predictions into %s", loggedRows, BatchInferenceLog.TABLE) : "");
    }

    @Override
    public Map<String, Object> summary() {
      Map<String, Object> summary = new LinkedHashMap<>();
      summary.put("table", table);
      summary.put("rows", rows);
      summary.put("delta_version", deltaVersion);
      summary.put("mode", mode.toString());
      summary.put("model", version.model());
      summary.put("version", version.version());
      summary.put("run_id", runId);
      summary.put("input_versions", inputVersions);
      summary.put("logged_rows", loggedRows);
      summary.put("phase_seconds", phaseSeconds);
      summary.put("elapsed_seconds", elapsedSeconds);
      return summary;
    }
  }

  /** The rows to score, joined to their features, each model input also typed as the model reads it, before scoring. */
  public record Prepared(Dataset<Row> rows, List<String> inputColumns, Map<String, Long> inputVersions) {}

  @Override
  public Result run(JobContext context) {
    context.requireWritableLake();
    long start = System.nanoTime();
    Map<String, Double> phases = new LinkedHashMap<>();
    SparkSession spark = context.spark();
    long phase = lap(phases, "start_spark", start);
    context.progress().status("loading " + model);
    ModelVersion version = context.registry().resolve(ModelRef.parse(model));
    ScoringModel scoring = ScoringModel.load(spark, context.registry(), context.layout(), version);
    phase = lap(phases, "load_model", phase);

    context.progress().status("scoring " + input.describe() + " with " + version);
    Prepared prepared = prepare(spark, context, scoring.manifest(), scoring.compiled(), input);
    // One moment for the whole run, so the score table and the inference log agree on it.
    Timestamp scoredAt = Timestamp.from(Instant.now());
    Dataset<Row> scored = score(spark, narrowed(prepared, scoring.compiled()), scoring.pipeline(), scoring.compiled())
        .withColumn(SCORED_AT, lit(scoredAt));
    if (logInferences) {
      scored = scored.persist(StorageLevel.MEMORY_AND_DISK()); // scored once, written twice
    }
    Dataset<Row> output = output(scored, prepared, scoring);
    ScoreTable.Written written = new ScoreTable(spark, context.layout(), out).write(output, mode, properties(scoring, prepared));
    new LakeCatalog(spark, context.layout()).register(out);
    phase = lap(phases, "join_score_write", phase);
    long logged = 0;
    if (logInferences) {
      context.progress().status("logging the predictions into " + BatchInferenceLog.TABLE);
      logged = new BatchInferenceLog(spark, context.layout()).append(scored, prepared.inputColumns(), scoring,
          out + "-v" + written.deltaVersion(), scoredAt);
      scored.unpersist();
      lap(phases, "inference_log", phase);
    }
    return new Result(out.toString(), written.rows(), written.deltaVersion(), version, scoring.runId(), mode, prepared.inputVersions(), logged,
        phases, (System.nanoTime() - start) / 1e9);
  }

  /** The input's rows with the request features, the looked-up features as of each row's moment, every model input typed. */
  public static Prepared prepare(SparkSession spark, JobContext context, ModelManifest manifest, CompiledPipeline compiled, ScoringInput input) {
    FeatureRepository repository = FeatureViews.load(context.config());
    List<FeatureRef> refs = new ArrayList<>();
    for (FeatureViewDependency dependency : manifest.featureViews()) {
      FeatureView view = repository.find(dependency.view()).orElseThrow(() -> Errors.invalidInput("score", "with the model",
          "it reads the feature view '" + dependency.view() + "', which is not defined in " + repository.directory(),
          "Score with the feature definitions the model was trained with (features.dir)."));
      if (!view.offlineTable().toString().equals(dependency.offlineTable())) {
        throw Errors.invalidInput("score", "with the model", "the view " + view.name() + " now lives in " + view.offlineTable()
            + " but the model was trained on " + dependency.offlineTable(), "Score with the feature definitions the model was trained with.");
      }
      dependency.features().forEach(feature -> refs.add(new FeatureRef(dependency.view(), feature)));
    }
    List<String> inputColumns = List.of(inputFrame(spark, input).columns());
    TrainingSetBuilder.TrainingSet joined = new TrainingSetBuilder(spark, context.layout(), repository).build(input.spine(manifest), refs, Map.of());
    Dataset<Row> rows = joined.rows();
    List<String> present = List.of(rows.columns());
    for (CompiledPipeline.Input modelInput : compiled.inputs().values()) {
      if (!present.contains(modelInput.name())) {
        throw Errors.invalidInput("score", input.describe(), "the model reads '" + modelInput.name() + "', which the input does not have"
            + " (columns: " + String.join(", ", inputColumns) + ")", "Select a column named " + modelInput.name() + " in the input.");
      }
      // Typed beside the original, as training typed it: the output keeps the input's own types (a bigint stays exact).
      rows = rows.withColumn(CompiledScoring.typedName(modelInput.name()), col("`" + modelInput.name() + "`").cast(type(modelInput)));
    }
    return new Prepared(rows, inputColumns, joined.inputVersions());
  }

  /** Where {@link #prepare} puts a model input cast to the type the pipeline reads (double or string). */
  public static String typedColumn(String input) {
    return CompiledScoring.typedName(input);
  }

  /** The prepared rows with every model input cast in place, as Spark's own {@code transform} reads them. */
  public static Dataset<Row> typedInPlace(Dataset<Row> prepared, CompiledPipeline compiled) {
    for (CompiledPipeline.Input modelInput : compiled.inputs().values()) {
      prepared = prepared.withColumn(modelInput.name(), col("`" + modelInput.name() + "`").cast(type(modelInput)));
    }
    return prepared;
  }

  private static org.apache.spark.sql.types.DataType type(CompiledPipeline.Input input) {
    return input.numeric() ? DataTypes.DoubleType : DataTypes.StringType;
  }

  /** Appends {@value #PREDICTION} (and {@value #PROBABILITY} for a classifier) to every row, on the executors. */
  public static Dataset<Row> score(SparkSession spark, Dataset<Row> rows, PipelineModel pipeline, CompiledPipeline compiled) {
    StructType schema = rows.schema().add(PREDICTION, DataTypes.DoubleType, false);
    if (compiled.classifier()) {
      schema = schema.add(PROBABILITY, DataTypes.DoubleType, false);
    }
    CompiledScoring scoring = new CompiledScoring(new org.apache.spark.api.java.JavaSparkContext(spark.sparkContext()).broadcast(pipeline),
        CompiledScoring.columns(compiled, rows.columns()), compiled.classifier(), compiled.decision());
    return rows.mapPartitions(scoring, Encoders.row(schema));
  }

  /**
   * Only the columns the output and the log need go through the scoring: Spark cannot prune columns
   * through mapPartitions, and every column a row carries there is decoded and encoded again.
   */
  private Dataset<Row> narrowed(Prepared prepared, CompiledPipeline compiled) {
    java.util.LinkedHashSet<String> needed = new java.util.LinkedHashSet<>(logInferences || keep.isEmpty() ? prepared.inputColumns() : keep);
    if (input.asOf() != null) {
      needed.add(ScoringInput.AS_OF_COLUMN);
    }
    if (withFeatures) {
      needed.addAll(compiled.inputs().keySet());
    }
    compiled.inputs().keySet().forEach(name -> needed.add(CompiledScoring.typedName(name)));
    List<String> present = List.of(prepared.rows().columns());
    return prepared.rows().select(needed.stream().filter(present::contains).map(name -> col("`" + name + "`")).toArray(Column[]::new));
  }

  private Dataset<Row> output(Dataset<Row> scored, Prepared prepared, ScoringModel scoring) {
    List<Column> columns = new ArrayList<>();
    List<String> carried = keep.isEmpty() ? prepared.inputColumns() : keep;
    for (String name : carried) {
      if (!prepared.inputColumns().contains(name)) {
        throw Errors.invalidInput("read", "--keep", "the input has no column '" + name + "'",
            "Its columns: " + String.join(", ", prepared.inputColumns()) + ".");
      }
      columns.add(col("`" + name + "`"));
    }
    if (input.asOf() != null) {
      columns.add(col(ScoringInput.AS_OF_COLUMN));
    }
    columns.add(col(PREDICTION));
    if (scoring.compiled().classifier()) {
      columns.add(col(PROBABILITY));
    }
    columns.add(lit(scoring.version().model()).as("model_name"));
    columns.add(lit(scoring.version().version()).as("model_version"));
    columns.add(lit(scoring.runId()).as("run_id"));
    columns.add(col(SCORED_AT));
    if (withFeatures) {
      for (String name : scoring.compiled().inputs().keySet()) {
        if (!carried.contains(name)) {
          columns.add(col("`" + name + "`"));
        }
      }
    }
    return scored.select(columns.toArray(Column[]::new));
  }

  private Map<String, String> properties(ScoringModel scoring, Prepared prepared) {
    Map<String, String> properties = new LinkedHashMap<>();
    properties.put("treeline.model", scoring.version().model());
    properties.put("treeline.model_version", Long.toString(scoring.version().version()));
    properties.put("treeline.run_id", scoring.runId());
    properties.put("treeline.input", input.describe());
    properties.put("treeline.scored_as_of", input.asOf() != null ? input.asOf().toString() : "column " + input.eventTime());
    prepared.inputVersions().forEach((table, v) -> properties.put(TrainingSetBuilder.VERSION_PROPERTY_PREFIX + table + ".version", Long.toString(v)));
    return properties;
  }

  private static Dataset<Row> inputFrame(SparkSession spark, ScoringInput input) {
    try {
      return spark.sql(input.table() != null ? "SELECT * FROM " + input.table().trim() : input.sql().trim());
    } catch (Exception e) { // Spark throws its checked AnalysisException without declaring it
      String message = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
      throw Errors.invalidInput("read", "the input " + input.describe(), message,
          "Name an existing lake table (`treeline sql \"show tables in raw\"`) or fix the query; `treeline sql` runs it on its own.", e);
    }
  }

  private static long lap(Map<String, Double> phases, String name, long since) {
    long now = System.nanoTime();
    phases.put(name, (now - since) / 1e9);
    return now;
  }
}
