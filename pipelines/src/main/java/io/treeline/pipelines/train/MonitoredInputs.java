package io.treeline.pipelines.train;

import io.treeline.core.error.Errors;
import io.treeline.core.lake.FeatureColumn;
import io.treeline.featurestore.pit.FeatureRef;
import io.treeline.featurestore.spec.FeatureRepository;
import io.treeline.featurestore.spec.FeatureSpec;
import io.treeline.featurestore.spec.FeatureView;
import io.treeline.pipelines.spec.PipelineSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * The names a pipeline's {@code monitoring.drift.feature_thresholds} may use: the model's inputs as
 * treeline monitor names them (request features, {@code <view>__<feature>} columns) and
 * {@code prediction}. A misspelt name would otherwise be a threshold that silently never applies.
 */
public final class MonitoredInputs {
  /** How the monitor names the model's own output among the inputs. */
  public static final String PREDICTION = "prediction";

  private MonitoredInputs() {}

  public static List<String> of(PipelineSpec spec, FeatureRepository repository) {
    List<String> names = new ArrayList<>();
    spec.requestFeatures().forEach(f -> names.add(f.name()));
    for (String text : spec.features()) {
      FeatureRef ref = FeatureRef.parse(text);
      FeatureView view = repository.get(ref.view());
      List<String> features = ref.all() ? view.features().stream().map(FeatureSpec::name).toList() : List.of(ref.feature());
      features.forEach(feature -> names.add(new FeatureColumn(view.name(), feature).column()));
    }
    names.add(PREDICTION);
    return names;
  }

  /** Refuses a feature_thresholds name that is not a model input, before anything is computed. */
  public static void check(PipelineSpec spec, FeatureRepository repository) {
    if (spec.monitoring().featureThresholds().isEmpty()) {
      return;
    }
    List<String> inputs = of(spec, repository);
    for (String name : spec.monitoring().featureThresholds().keySet()) {
      if (!inputs.contains(name)) {
        throw Errors.invalidInput("load", "pipeline " + spec.file(), "key 'monitoring.drift.feature_thresholds." + name + "': '" + name
            + "' is not an input of the model", "Name a model input (a looked-up feature is <view>__<feature>) or prediction: "
            + String.join(", ", inputs) + ".");
      }
    }
  }
}
