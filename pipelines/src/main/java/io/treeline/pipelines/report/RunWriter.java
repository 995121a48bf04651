package io.treeline.pipelines.report;

import io.treeline.core.json.JsonObjects;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.treeline.core.lake.FeatureColumn;
import io.treeline.core.lake.LakeLayout;
import io.treeline.featurestore.pit.TrainingSetBuilder;
import io.treeline.featurestore.spec.FeatureView;
import io.treeline.modelpackage.Calibration;
import io.treeline.modelpackage.ModelManifest;
import io.treeline.modelpackage.ModelManifest.FeatureViewDependency;
import io.treeline.modelpackage.ModelManifest.InputColumn;
import io.treeline.modelpackage.ModelManifest.Kind;
import io.treeline.modelpackage.ModelManifest.RequestFeature;
import io.treeline.modelpackage.ModelManifest.TrainingSet;
import io.treeline.modelpackage.ModelPackage;
import io.treeline.pipelines.spec.PipelineSpec;
import io.treeline.pipelines.train.Evaluation;
import io.treeline.pipelines.train.FeatureColumns;
import io.treeline.pipelines.train.Trainer;
import io.treeline.pipelines.train.TrainingRun;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;

/**
 * Writes a run directory in the lake: {@code model/} (the fitted PipelineModel as an MLflow model
 * package, with {@code treeline.json}: what serving and the registry need), {@code metrics.json},
 * {@code spec.yaml} (the spec as it ran), {@code report.md} and its plots under {@code plots/}.
 */
public final class RunWriter {
  /** The run's model, in the MLflow model format (see {@link ModelPackage}). */
  public static final String MODEL = "model";

  private final SparkSession spark;
  private final LakeLayout layout;

  public RunWriter(SparkSession spark, LakeLayout layout) {
    this.spark = spark;
    this.layout = layout;
  }

  public void write(TrainingRun run, PipelineSpec spec, Trainer.ModelFit fit, Evaluation evaluation, FeatureColumns columns,
      Map<String, List<String>> entitiesByView, TrainingSetBuilder.Result written, Map<String, String> provenance) {
    try {
      ModelPackage.write(fit.model(), run.directory() + "/" + MODEL, manifest(run, spec, columns, entitiesByView, written, provenance),
          run.runId(), spark.sparkContext().hadoopConfiguration());
      Map<String, byte[]> plots = spec.model().type().classifier()
          ? Plots.classifier(evaluation.testBinary(), evaluation.testUncalibrated(), evaluation.decision().threshold(), evaluation.importances())
          : Plots.regressor(evaluation.testRegression(), evaluation.importances());
      plots.putAll(Plots.weekly(evaluation.testByWeek(), spec.model().type().classifier() ? "auc" : "rmse"));
      for (Map.Entry<String, byte[]> plot : plots.entrySet()) {
        write(run.directory() + "/plots/" + plot.getKey(), plot.getValue());
      }
      ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
      write(run.directory() + "/metrics.json", json.writeValueAsBytes(metrics(run, fit, evaluation)));
      write(run.directory() + "/spec.yaml", spec.text().getBytes(StandardCharsets.UTF_8));
      write(run.directory() + "/report.md", Report.markdown(run, spec, fit, evaluation, plots.keySet()).getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write run " + run.directory(), e);
    }
  }

  private static Map<String, Object> metrics(TrainingRun run, Trainer.ModelFit fit, Evaluation evaluation) {
    Map<String, Object> metrics = new LinkedHashMap<>();
    metrics.put("run_id", run.runId());
    metrics.put("pipeline", run.pipeline());
    metrics.put("metrics", run.metrics());
    metrics.put("raw_columns_baseline", run.baselineMetrics());
    metrics.put("rows", JsonObjects.of("train", run.trainRows(), "validation", run.validationRows(), "test", run.testRows()));
    if (run.decision() != null) {
      Map<String, Object> decision = new LinkedHashMap<>();
      decision.put("threshold", run.decision().threshold());
      decision.put("threshold_source", run.thresholdSource());
      decision.put("calibration", run.decision().calibration().method());
      metrics.put("decision", decision);
    }
    List<Map<String, Object>> weeks = new ArrayList<>();
    for (Evaluation.Period week : evaluation.testByWeek()) {
      Map<String, Object> one = new LinkedHashMap<>();
      one.put("week_start", week.weekStart().toString());
      one.put("rows", week.rows());
      one.putAll(week.metrics());
      weeks.add(one);
    }
    metrics.put("test_by_week", weeks);
    metrics.put("params", fit.chosenParams());
    List<Map<String, Object>> gates = new ArrayList<>();
    for (TrainingRun.GateCheck gate : run.gates()) {
      Map<String, Object> one = new LinkedHashMap<>();
      one.put("metric", gate.metric());
      one.put("min", gate.min());
      one.put("max", gate.max());
      one.put("value", gate.value());
      one.put("passed", gate.passed());
      gates.add(one);
    }
    metrics.put("gates", gates);
    metrics.put("phase_seconds", run.phaseSeconds());
    metrics.put("elapsed_seconds", run.elapsedSeconds());
    return metrics;
  }

  /** What a served model needs to know: its inputs, where they come from, and how it was made. */
  private static ModelManifest manifest(TrainingRun run, PipelineSpec spec, FeatureColumns columns,
      Map<String, List<String>> entitiesByView, TrainingSetBuilder.Result written, Map<String, String> provenance) {
    Map<String, List<String>> featuresByView = new LinkedHashMap<>();
    for (FeatureColumn column : written.featureColumns()) {
      featuresByView.computeIfAbsent(column.view(), v -> new ArrayList<>()).add(column.feature());
    }
    List<FeatureViewDependency> views = new ArrayList<>();
    featuresByView.forEach((view, features) ->
        views.add(new FeatureViewDependency(view, FeatureView.NAMESPACE + "." + view, entitiesByView.get(view), features)));
    List<RequestFeature> requestFeatures = new ArrayList<>();
    for (PipelineSpec.RequestFeature feature : spec.requestFeatures()) {
      // expr is over the spine's columns; serving derives the feature from the request with it
      String expr = feature.expr() != null && !feature.expr().equals(feature.name()) ? feature.expr() : null;
      requestFeatures.add(new RequestFeature(feature.name(), Kind.valueOf(feature.kind().name()), expr));
    }
    List<InputColumn> schema = new ArrayList<>();
    columns.numeric().forEach(column -> schema.add(new InputColumn(column, "double")));
    columns.categorical().forEach(column -> schema.add(new InputColumn(column, "string")));
    return new ModelManifest(spec.name(), run.runId(), spec.registeredModel(), spec.model().type().name().toLowerCase(Locale.ROOT),
        run.decision() == null ? 0.5 : run.decision().threshold(),
        run.decision() == null ? Calibration.NONE : run.decision().calibration(), spec.spine().label(), spec.spine().eventTime(), views, requestFeatures, spec.requestAliases(), schema,
        new TrainingSet(written.table(), written.deltaVersion()), written.inputVersions(), run.metrics(), provenance, Instant.now(),
        new ModelManifest.Monitoring(spec.monitoring().psiThreshold(), spec.monitoring().featureThresholds(),
            spec.monitoring().skewThreshold(), spec.monitoring().aucMargin()));
  }

  private void write(String file, byte[] bytes) throws IOException {
    Path path = new Path(file);
    FileSystem fs = path.getFileSystem(spark.sparkContext().hadoopConfiguration());
    try (OutputStream out = fs.create(path, true)) {
      out.write(bytes);
    }
  }
}
