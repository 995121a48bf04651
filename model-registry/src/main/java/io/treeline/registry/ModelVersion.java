package io.treeline.registry;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One registered version of a model: where its MLflow-format package is ({@code source}), the run
 * it came from, its aliases and tags, and its {@code treeline.json} (feature views, input schema,
 * training-set versions, metrics).
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
    Map<String, Object> treeline) {

  public static final String READY = "READY";

  public ModelRef ref() {
    return ModelRef.ofVersion(model, version);
  }

  /** The run's metrics as recorded in treeline.json ({@code test_auc}, {@code validation_rmse}, …). */
  public Map<String, Double> metrics() {
    Object metrics = treeline.get("metrics");
    java.util.Map<String, Double> out = new java.util.LinkedHashMap<>();
    if (metrics instanceof Map<?, ?> map) {
      map.forEach((k, v) -> {
        if (v instanceof Number n) {
          out.put(k.toString(), n.doubleValue());
        }
      });
    }
    return out;
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
