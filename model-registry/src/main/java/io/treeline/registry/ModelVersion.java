package io.treeline.registry;

import io.treeline.modelpackage.ModelManifest;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One registered version of a model: where its MLflow-format package is ({@code source}), the run
 * it came from, its aliases and tags, and its {@code treeline.json} (feature views, input schema,
 * training-set versions, metrics) — null until the version is {@value #READY}, since a version still
 * being registered or one that failed may have no package to read.
 */
public record ModelVersion(
    String model,
    long version,
    String status,
    String runId,
    String source,
    Instant createdAt,
    List<String> aliases,
    Map<String, String> tags,
    ModelManifest manifest) {

  public static final String READY = "READY";

  public ModelRef ref() {
    return ModelRef.ofVersion(model, version);
  }

  /** The run's metrics as recorded in treeline.json ({@code test_auc}, {@code validation_rmse}, …); none before it is ready. */
  public Map<String, Double> metrics() {
    return manifest == null ? Map.of() : manifest.metrics();
  }

  /** Whether the version carries every one of {@code wanted} (key and value). */
  public boolean hasTags(Map<String, String> wanted) {
    return tags.entrySet().containsAll(wanted.entrySet());
  }

  @Override
  public String toString() {
    return model + "/" + version;
  }
}
