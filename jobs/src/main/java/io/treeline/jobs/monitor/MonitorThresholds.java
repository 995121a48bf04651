package io.treeline.jobs.monitor;

import io.treeline.core.config.ConfigKeys;
import io.treeline.core.config.TreelineConfig;
import io.treeline.core.error.Errors;
import io.treeline.jobs.score.ScoringModel;
import io.treeline.modelpackage.ModelManifest;
import io.treeline.serving.compile.CompiledPipeline;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** The thresholds the monitor holds its figures to, read from the monitoring.* settings. */
final class MonitorThresholds {
  private MonitorThresholds() {}

  /**
   * Every model input and the prediction, each with its PSI threshold. An input computed from the
   * event time alone (hour, day of week, day of month) drifts by construction in a period of a day,
   * so it is reported without a threshold unless monitoring.drift.feature-thresholds names it.
   */
  static List<DriftCheck.Input> driftInputs(ScoringModel scoring, double psi, Map<String, Double> featureThresholds) {
    ModelManifest manifest = scoring.manifest();
    List<String> times = new ArrayList<>(List.of(manifest.eventTime()));
    manifest.requestAliases().forEach((alias, canonical) -> {
      if (canonical.equals(manifest.eventTime())) {
        times.add(alias);
      }
    });
    Pattern timeReference = Pattern.compile("\\b(" + String.join("|", times.stream().map(Pattern::quote).toList()) + ")\\b");
    List<String> calendar = manifest.requestFeatures().stream().filter(f -> f.expr() != null && timeReference.matcher(f.expr()).find())
        .map(ModelManifest.RequestFeature::name).toList();
    List<DriftCheck.Input> inputs = new ArrayList<>();
    for (CompiledPipeline.Input input : scoring.compiled().inputs().values()) {
      Double threshold = featureThresholds.getOrDefault(input.name(), calendar.contains(input.name()) ? null : psi);
      inputs.add(new DriftCheck.Input(input.name(), input.numeric(), threshold));
    }
    inputs.add(new DriftCheck.Input(ServedValues.PREDICTION, true, featureThresholds.getOrDefault(ServedValues.PREDICTION, psi)));
    return inputs;
  }

  static double number(TreelineConfig config, io.treeline.core.config.ConfigKey key) {
    String text = config.get(key);
    try {
      return Double.parseDouble(text.trim());
    } catch (NumberFormatException e) {
      throw Errors.invalidInput("read", "the setting " + key.key(), "'" + text + "' is not a number", "Set it to a number, e.g. "
          + key.defaultValue() + ".");
    }
  }

  static Map<String, Double> perFeature(TreelineConfig config) {
    Map<String, Double> thresholds = new LinkedHashMap<>();
    String text = config.get(ConfigKeys.MONITORING_DRIFT_FEATURE_THRESHOLDS).trim();
    if (text.isEmpty()) {
      return thresholds;
    }
    for (String pair : text.split(",")) {
      String[] parts = pair.split("=", 2);
      try {
        thresholds.put(parts[0].trim(), Double.parseDouble(parts[1].trim()));
      } catch (RuntimeException e) {
        throw Errors.invalidInput("read", "the setting " + ConfigKeys.MONITORING_DRIFT_FEATURE_THRESHOLDS.key(), "'" + pair.trim()
            + "' is not name=number", "Write it as name=value pairs separated by commas, e.g. distance=0.1,prediction=0.25.");
      }
    }
    return thresholds;
  }
}
