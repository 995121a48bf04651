package io.treeline.pipelines.report;

import io.treeline.core.json.JsonObjects;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.treeline.core.lake.LakeLayout;
import io.treeline.featurestore.pit.TrainingSetBuilder;
import io.treeline.featurestore.spec.FeatureView;
import io.treeline.pipelines.spec.PipelineSpec;
import io.treeline.pipelines.train.Evaluation;
import io.treeline.pipelines.train.FeatureColumns;
import io.treeline.pipelines.train.Trainer;
import io.treeline.pipelines.train.TrainingRun;
import io.treeline.registry.ModelPackage;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
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
      ModelPackage.write(fit.model(), run.directory() + "/" + MODEL, treelineJson(run, spec, columns, entitiesByView, written, provenance),
          run.runId(), spark.sparkContext().hadoopConfiguration());
      Map<String, byte[]> plots = spec.model().type().classifier()
          ? Plots.classifier(evaluation.testBinary(), spec.threshold(), evaluation.importances())
          : Plots.regressor(evaluation.testRegression(), evaluation.importances());
      for (Map.Entry<String, byte[]> plot : plots.entrySet()) {
        write(run.directory() + "/plots/" + plot.getKey(), plot.getValue());
      }
      ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
      write(run.directory() + "/metrics.json", json.writeValueAsBytes(metrics(run, fit)));
      write(run.directory() + "/spec.yaml", spec.text().getBytes(StandardCharsets.UTF_8));
      write(run.directory() + "/report.md", Report.markdown(run, spec, fit, evaluation, plots.keySet()).getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write run " + run.directory(), e);
    }
  }

  private static Map<String, Object> metrics(TrainingRun run, Trainer.ModelFit fit) {
    Map<String, Object> metrics = new LinkedHashMap<>();
    metrics.put("run_id", run.runId());
    metrics.put("pipeline", run.pipeline());
    metrics.put("metrics", run.metrics());
    metrics.put("raw_columns_baseline", run.baselineMetrics());
    metrics.put("rows", JsonObjects.of("train", run.trainRows(), "validation", run.validationRows(), "test", run.testRows()));
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
  private Map<String, Object> treelineJson(TrainingRun run, PipelineSpec spec, FeatureColumns columns,
      Map<String, List<String>> entitiesByView, TrainingSetBuilder.Result written, Map<String, String> provenance) {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("format_version", 1);
    doc.put("pipeline", spec.name());
    doc.put("run_id", run.runId());
    doc.put("registered_model", spec.registeredModel());
    doc.put("model_type", spec.model().type().name().toLowerCase(java.util.Locale.ROOT));
    doc.put("threshold", spec.threshold());
    doc.put("label", spec.spine().label());
    doc.put("event_time", spec.spine().eventTime());
    List<Map<String, Object>> views = new ArrayList<>();
    List<String> entityKeys = new ArrayList<>();
    Map<String, List<String>> byView = new LinkedHashMap<>();
    for (String column : written.featureColumns()) {
      int split = column.indexOf("__");
      byView.computeIfAbsent(column.substring(0, split), v -> new ArrayList<>()).add(column.substring(split + 2));
    }
    for (Map.Entry<String, List<String>> entry : byView.entrySet()) {
      Map<String, Object> view = new LinkedHashMap<>();
      view.put("view", entry.getKey());
      view.put("offline_table", FeatureView.NAMESPACE + "." + entry.getKey());
      List<String> entities = entitiesByView.get(entry.getKey());
      view.put("entities", entities);
      entities.stream().filter(k -> !entityKeys.contains(k)).forEach(entityKeys::add);
      view.put("features", entry.getValue());
      views.add(view);
    }
    doc.put("feature_views", views);
    List<Map<String, Object>> requestFeatures = new ArrayList<>();
    for (PipelineSpec.RequestFeature feature : spec.requestFeatures()) {
      Map<String, Object> entry = JsonObjects.of("name", feature.name(), "kind", feature.kind().name().toLowerCase(java.util.Locale.ROOT));
      if (feature.expr() != null && !feature.expr().equals(feature.name())) {
        entry.put("expr", feature.expr()); // over the spine's columns; serving derives the feature from the request
      }
      requestFeatures.add(entry);
    }
    doc.put("request_features", requestFeatures);
    doc.put("request_aliases", spec.requestAliases());
    List<Map<String, Object>> schema = new ArrayList<>();
    for (String column : columns.numeric()) {
      schema.add(JsonObjects.of("name", column, "type", "double"));
    }
    for (String column : columns.categorical()) {
      schema.add(JsonObjects.of("name", column, "type", "string"));
    }
    doc.put("input_schema", schema);
    doc.put("entity_keys", entityKeys);
    doc.put("training_set", JsonObjects.of("table", written.table(), "delta_version", written.deltaVersion()));
    doc.put("training_inputs", written.inputVersions());
    doc.put("metrics", run.metrics());
    doc.put("versions", provenance);
    doc.put("created_at", java.time.Instant.now().toString());
    return doc;
  }

  private void write(String file, byte[] bytes) throws IOException {
    Path path = new Path(file);
    FileSystem fs = path.getFileSystem(spark.sparkContext().hadoopConfiguration());
    try (OutputStream out = fs.create(path, true)) {
      out.write(bytes);
    }
  }
}
