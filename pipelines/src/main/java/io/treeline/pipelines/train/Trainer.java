package io.treeline.pipelines.train;

import static org.apache.spark.sql.functions.col;

import io.treeline.core.error.Errors;
import io.treeline.core.lake.FeatureColumn;
import io.treeline.core.lake.LakeLayout;
import io.treeline.core.lake.TableName;
import io.treeline.featurestore.pit.FeatureRef;
import io.treeline.featurestore.pit.Spine;
import io.treeline.featurestore.pit.TrainingSetBuilder;
import io.treeline.featurestore.spec.FeatureRepository;
import io.treeline.pipelines.report.RunWriter;
import io.treeline.pipelines.spec.PipelineSpec;
import io.treeline.pipelines.spec.PipelineSpec.ColumnKind;
import io.treeline.pipelines.spec.PipelineSpec.RequestFeature;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;

/**
 * Runs a pipeline: builds its training set through the feature store, splits it, fits the Spark ML
 * Pipeline (tuned when the spec asks), evaluates it and a raw-columns baseline, and writes the run
 * directory. Gates are checked last, so a failing run can still be inspected.
 */
public final class Trainer {
  private final SparkSession spark;
  private final LakeLayout layout;
  private final FeatureRepository repository;

  public Trainer(SparkSession spark, LakeLayout layout, FeatureRepository repository) {
    this.spark = spark;
    this.layout = layout;
    this.repository = repository;
  }

  /**
   * @param sample fraction of spine rows to keep (1 for all), drawn with a fixed seed
   * @param trainingSet a training set an earlier run built for the same spine and features, to train on instead of building one
   */
  public record Options(double sample, Map<String, String> provenance, Optional<TableName> trainingSet) {
    public Options(double sample, Map<String, String> provenance) {
      this(sample, provenance, Optional.empty());
    }
  }

  public TrainingRun train(PipelineSpec spec, Options options) {
    MonitoredInputs.check(spec, repository);
    long start = System.nanoTime();
    java.time.Instant startedAt = java.time.Instant.now();
    String runId = spec.name() + "-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + "-"
        + UUID.randomUUID().toString().substring(0, 6);

    Map<String, Double> phases = new LinkedHashMap<>();
    long phase = System.nanoTime();
    TrainingSetBuilder builder = new TrainingSetBuilder(spark, layout, repository);
    Spine spine = new Spine(spineSql(spec, options.sample()), spec.spine().eventTime());
    List<FeatureRef> refs = spec.features().stream().map(FeatureRef::parse).toList();
    TrainingSetBuilder.Result written;
    TableName table;
    if (options.trainingSet().isPresent()) {
      table = options.trainingSet().get();
      written = builder.existing(table, spine, refs);
    } else {
      table = new TableName("training", spec.name().replace('-', '_'));
      written = builder.write(builder.build(spine, refs, Map.of()), spine, table);
    }

    Dataset<Row> data = spark.read().format("delta").option("versionAsOf", written.deltaVersion()).load(layout.table(table));
    FeatureColumns columns = columns(spec, data, written.featureColumns().stream().map(FeatureColumn::column).toList());
    data = typed(data, columns);
    Splits splits = Splits.of(data, spec.split(), spec.spine().eventTime());
    phase = lap(phases, "training_set", phase);

    ModelFit fit = ModelFit.fit(spec, columns, splits);
    phase = lap(phases, "fit", phase);
    Evaluation evaluation = Evaluation.of(spec, fit.model(), splits);
    carryThreshold(fit.model(), evaluation.decision());
    phase = lap(phases, "evaluate", phase);
    Map<String, Double> baseline = Map.of();
    FeatureColumns baselineColumns = null;
    if (spec.baseline() != null) {
      baselineColumns = baselineColumns(spec);
      ModelFit baselineFit = ModelFit.fit(spec, baselineColumns, splits);
      baseline = Evaluation.of(spec, baselineFit.model(), splits).metrics();
      phase = lap(phases, "baseline", phase);
    }

    List<TrainingRun.GateCheck> gates = new ArrayList<>();
    for (PipelineSpec.Gate gate : spec.gates()) {
      gates.add(new TrainingRun.GateCheck(gate.metric(), gate.min(), gate.max(), evaluation.metrics().get(gate.metric())));
    }
    String directory = layout.run(runId);
    TrainingRun run = new TrainingRun(runId, directory, spec.name(), evaluation.metrics(), baseline, gates, splits.trainRows(),
        splits.validationRows(), splits.testRows(), written.table(), written.inputVersions(), phases, (System.nanoTime() - start) / 1e9,
        fit.chosenParams(), startedAt, evaluation.decision(), evaluation.thresholdSource());
    Map<String, List<String>> entities = new LinkedHashMap<>();
    refs.forEach(ref -> entities.put(ref.view(), repository.get(ref.view()).entities()));
    new RunWriter(spark, layout).write(run, spec, fit, evaluation, columns, entities, written, options.provenance());
    lap(phases, "write_run", phase);
    return run;
  }

  /**
   * Gives the saved Spark model the chosen threshold, so that whoever runs it with Spark (MLflow's
   * pyfunc, {@code PipelineModel.transform}) gets the labels Treeline answers: Spark predicts 1 when
   * p1 / t exceeds p0 / (1 − t), which is p1 above t. For a calibrated model t is the forest
   * probability the calibrated threshold corresponds to; the probabilities Spark gives stay the
   * forest's own.
   */
  private static void carryThreshold(PipelineModel model, io.treeline.modelpackage.Decision decision) {
    double cut = decision == null ? Double.NaN : decision.forestThreshold();
    if (Double.isNaN(cut) || cut == 0.5) {
      return;
    }
    if (model.stages()[model.stages().length - 1] instanceof org.apache.spark.ml.classification.ProbabilisticClassificationModel<?, ?> forest
        && forest.numClasses() == 2) {
      forest.setThresholds(new double[] {1 - cut, cut});
    }
  }

  private static long lap(Map<String, Double> phases, String name, long since) {
    long now = System.nanoTime();
    phases.put(name, (now - since) / 1e9);
    return now;
  }

  /** The spine with the label and the request features computed, the spine's own columns kept. */
  static String spineSql(PipelineSpec spec, double sample) {
    String inner = spec.spine().table() != null ? "SELECT * FROM " + spec.spine().table() : spec.spine().sql();
    List<String> select = new ArrayList<>();
    select.add("s.*");
    select.add("CAST((" + spec.spine().label() + ") AS DOUBLE) AS " + PipelineBuilder.LABEL);
    for (RequestFeature feature : spec.requestFeatures()) {
      if (feature.expr() != null && !feature.expr().equals(feature.name())) {
        select.add("(" + feature.expr() + ") AS " + feature.name());
      }
    }
    String sql = "SELECT " + String.join(", ", select) + " FROM (" + inner + ") s";
    if (sample < 1) {
      sql = "SELECT * FROM (" + sql + ") WHERE rand(42) < " + sample;
    }
    return sql;
  }

  static FeatureColumns columns(PipelineSpec spec, Dataset<Row> data, List<String> lookedUp) {
    List<String> numeric = new ArrayList<>();
    List<String> categorical = new ArrayList<>();
    for (RequestFeature feature : spec.requestFeatures()) {
      (feature.kind() == ColumnKind.CATEGORICAL ? categorical : numeric).add(feature.name());
    }
    for (String column : lookedUp) {
      StructField field = data.schema().apply(column);
      boolean text = field.dataType() instanceof StringType || spec.preprocessing().categorical().containsKey(column);
      (text ? categorical : numeric).add(column);
    }
    for (String column : spec.preprocessing().categorical().keySet()) {
      if (!categorical.contains(column)) {
        throw Errors.invalidInput("train", "pipeline " + spec.name(), "preprocessing.categorical names '" + column
            + "', which is not a model input", "Model inputs: " + String.join(", ", numeric) + ", " + String.join(", ", categorical) + ".");
      }
    }
    return new FeatureColumns(numeric, categorical);
  }

  static FeatureColumns baselineColumns(PipelineSpec spec) {
    List<String> numeric = new ArrayList<>();
    List<String> categorical = new ArrayList<>();
    for (RequestFeature feature : spec.requestFeatures()) {
      if (spec.baseline().columns().contains(feature.name())) {
        (feature.kind() == ColumnKind.CATEGORICAL ? categorical : numeric).add(feature.name());
      }
    }
    return new FeatureColumns(numeric, categorical);
  }

  /** Numeric inputs as doubles and categorical ones as strings: the types the served model accepts. */
  static Dataset<Row> typed(Dataset<Row> data, FeatureColumns columns) {
    for (String column : columns.numeric()) {
      data = data.withColumn(column, col(column).cast(DataTypes.DoubleType));
    }
    for (String column : columns.categorical()) {
      data = data.withColumn(column, col(column).cast(DataTypes.StringType));
    }
    return data;
  }

  /** A fitted model and how it was chosen. */
  public record ModelFit(PipelineModel model, Map<String, Object> chosenParams) {
    static ModelFit fit(PipelineSpec spec, FeatureColumns columns, Splits splits) {
      try {
        return spec.tuning() == null
            ? new ModelFit(PipelineBuilder.build(spec, columns).fit(splits.train()), new LinkedHashMap<>(spec.model().params()))
            : Tuning.fit(spec, columns, splits.train(), splits.validation());
      } catch (IllegalArgumentException e) {
        String message = e.getMessage() == null ? e.toString() : e.getMessage();
        if (message.contains("maxBins")) {
          throw Errors.invalidInput("train", "pipeline " + spec.name(), message.lines().findFirst().orElse(""),
              "Raise model.params.maxBins above the number of values of the categorical columns, or set one_hot: true for them.", e);
        }
        throw e;
      }
    }
  }
}
