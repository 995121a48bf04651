package io.treeline.modelpackage;

import com.fasterxml.jackson.databind.JsonNode;
import io.treeline.core.lake.FeatureColumn;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * {@code treeline.json}: the contract between training and everything that uses a model — what
 * it reads (feature views by entity key, request features, the type of every input), how it was
 * made (pipeline, run, training set and the Delta version of every input) and how good it is
 * (metrics). Training writes it once; serving, the registry and the commands read it through
 * {@link #read}, which checks {@value #FILE}'s {@code format_version} and every required key.
 *
 * <p>The JSON layout is the one Treeline has written since format version 1, so models already in
 * a lake or in MLflow keep loading; see {@link ManifestJson}.
 */
public record ModelManifest(
    String pipeline,
    String runId,
    String registeredModel,
    String modelType,
    double threshold,
    Calibration calibration,
    String label,
    String eventTime,
    List<FeatureViewDependency> featureViews,
    List<RequestFeature> requestFeatures,
    Map<String, String> requestAliases,
    List<InputColumn> inputSchema,
    TrainingSet trainingSet,
    Map<String, Long> trainingInputs,
    Map<String, Double> metrics,
    Map<String, String> versions,
    Instant createdAt,
    Monitoring monitoring) {

  public static final String FILE = "treeline.json";

  // Whatever the reader requires, the writer must never leave out: a package that cannot be read back is refused here, in training.
  public ModelManifest {
    Objects.requireNonNull(pipeline, "pipeline");
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(registeredModel, "registeredModel");
    Objects.requireNonNull(modelType, "modelType");
    Objects.requireNonNull(label, "label");
    Objects.requireNonNull(eventTime, "eventTime");
    Objects.requireNonNull(trainingSet, "trainingSet");
    Objects.requireNonNull(createdAt, "createdAt");
    calibration = calibration == null ? Calibration.NONE : calibration;
    new Decision(threshold, calibration); // refuses a threshold that is not a probability
    featureViews = List.copyOf(featureViews);
    requestFeatures = List.copyOf(requestFeatures);
    requestAliases = ordered(requestAliases);
    inputSchema = List.copyOf(inputSchema);
    trainingInputs = ordered(trainingInputs);
    metrics = ordered(metrics);
    versions = ordered(versions);
    monitoring = monitoring == null ? Monitoring.NONE : monitoring;
  }

  /** A manifest whose pipeline gave no monitoring thresholds and no calibration. */
  public ModelManifest(String pipeline, String runId, String registeredModel, String modelType, double threshold, String label,
      String eventTime, List<FeatureViewDependency> featureViews, List<RequestFeature> requestFeatures, Map<String, String> requestAliases,
      List<InputColumn> inputSchema, TrainingSet trainingSet, Map<String, Long> trainingInputs, Map<String, Double> metrics,
      Map<String, String> versions, Instant createdAt) {
    this(pipeline, runId, registeredModel, modelType, threshold, Calibration.NONE, label, eventTime, featureViews, requestFeatures,
        requestAliases, inputSchema, trainingSet, trainingInputs, metrics, versions, createdAt, Monitoring.NONE);
  }

  /** How a classifier's probability becomes its answer: calibration, then the threshold. */
  public Decision decision() {
    return new Decision(threshold, calibration);
  }

  // Key order is kept: it is the order of metrics and inputs in reports, summaries and the file.
  private static <V> Map<String, V> ordered(Map<String, V> map) {
    map.forEach((key, value) -> Objects.requireNonNull(value, () -> "no value for " + key));
    return Collections.unmodifiableMap(new LinkedHashMap<>(map));
  }

  /** A feature view the model looks features up from, by its entity key columns. */
  public record FeatureViewDependency(String view, String offlineTable, List<String> entities, List<String> features) {
    public FeatureViewDependency {
      entities = List.copyOf(entities);
      features = List.copyOf(features);
    }

    /** The model inputs this view provides, one per feature. */
    public List<FeatureColumn> columns() {
      return features.stream().map(feature -> new FeatureColumn(view, feature)).toList();
    }
  }

  /** A value the caller sends with each prediction, or that serving derives from the request with {@code expr} (null: taken as is). */
  public record RequestFeature(String name, Kind kind, String expr) {
    public boolean categorical() {
      return kind == Kind.CATEGORICAL;
    }
  }

  /** How a request feature enters the pipeline. */
  public enum Kind { NUMERIC, CATEGORICAL }

  /** A model input: its column name and MLflow type name ({@code double}, {@code string}). */
  public record InputColumn(String name, String type) {}

  /**
   * The thresholds {@code treeline monitor} holds this model to, from the pipeline's {@code monitoring:}
   * section; null (or no entry) where the pipeline left a value to the settings.
   */
  public record Monitoring(Double psiThreshold, Map<String, Double> featureThresholds, Double skewThreshold, Double aucMargin) {
    public static final Monitoring NONE = new Monitoring(null, Map.of(), null, null);

    public Monitoring {
      featureThresholds = ordered(featureThresholds == null ? Map.of() : featureThresholds);
    }

    public boolean isEmpty() {
      return psiThreshold == null && featureThresholds.isEmpty() && skewThreshold == null && aucMargin == null;
    }
  }

  /** The training set's table and the Delta version the model was trained on. */
  public record TrainingSet(String table, long deltaVersion) {}

  public boolean classifier() {
    return modelType.endsWith("classifier");
  }

  /** Every entity key column of the views, each once, in view order. */
  public List<String> entityKeys() {
    List<String> keys = new ArrayList<>();
    featureViews.forEach(view -> view.entities().stream().filter(k -> !keys.contains(k)).forEach(keys::add));
    return List.copyOf(keys);
  }

  /** Writes {@value #FILE} into a local package directory. */
  public void write(Path packageDir) {
    try {
      Files.createDirectories(packageDir);
      Files.write(packageDir.resolve(FILE), toJson());
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write " + packageDir.resolve(FILE), e);
    }
  }

  /** Reads {@value #FILE} of a local package directory; refuses a newer format or a missing key, naming the file. */
  public static ModelManifest read(Path packageDir) {
    Path file = packageDir.resolve(FILE);
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      throw ManifestJson.unreadable(file.toString(), e);
    }
    return parse(bytes, file.toString());
  }

  /** The document as written to {@value #FILE}. */
  public byte[] toJson() {
    return ManifestJson.write(this);
  }

  /** The document as written, for summaries that show it whole (a copy: changing it changes nothing here). */
  public JsonNode toJsonTree() {
    return ManifestJson.tree(this);
  }

  /** Parses a {@value #FILE} read from elsewhere (the lake, an MLflow artifact); {@code source} names it in errors. */
  public static ModelManifest parse(byte[] json, String source) {
    return ManifestJson.read(json, source);
  }
}
