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

/**
 * The thresholds the monitor holds a version's figures to. Three layers, each overriding the one
 * before key by key (per-input thresholds input by input): the monitoring.* settings from the
 * defaults and conf/treeline.yaml, then the pipeline's monitoring: section as the version's
 * treeline.json recorded it, then monitoring.* settings given for this run with --conf or a
 * TREELINE_* environment variable. So a model carries its own thresholds, the site's file only
 * fills in what the pipeline left out, and an operator can still override both for one run.
 */
final class MonitorThresholds {
  static final String FROM_PACKAGE = "model package";

  private MonitorThresholds() {}

  /** One version's thresholds, with where each came from (a setting's source, or {@value #FROM_PACKAGE}). */
  record Resolved(double psi, Map<String, Double> featureThresholds, double skew, double aucMargin, Map<String, String> sources) {
    Map<String, Object> toMap() {
      Map<String, Object> map = new LinkedHashMap<>();
      map.put("psi_threshold", psi);
      map.put("feature_thresholds", featureThresholds);
      map.put("skew_threshold", skew);
      map.put("auc_margin", aucMargin);
      map.put("sources", sources);
      return map;
    }
  }

  static Resolved resolve(TreelineConfig config, ModelManifest.Monitoring fromPackage) {
    Map<String, String> sources = new LinkedHashMap<>();
    double psi = layered(config, ConfigKeys.MONITORING_DRIFT_PSI_THRESHOLD, fromPackage.psiThreshold(), "psi_threshold", sources);
    double skew = layered(config, ConfigKeys.MONITORING_SKEW_THRESHOLD, fromPackage.skewThreshold(), "skew_threshold", sources);
    double margin = layered(config, ConfigKeys.MONITORING_QUALITY_AUC_MARGIN, fromPackage.aucMargin(), "auc_margin", sources);
    Map<String, Double> settings = perFeature(config);
    boolean explicit = explicit(config, ConfigKeys.MONITORING_DRIFT_FEATURE_THRESHOLDS);
    Map<String, Double> perInput = new LinkedHashMap<>(explicit ? fromPackage.featureThresholds() : settings);
    perInput.putAll(explicit ? settings : fromPackage.featureThresholds());
    perInput.keySet().forEach(name -> sources.put("feature_thresholds." + name, settings.containsKey(name)
        && (explicit || !fromPackage.featureThresholds().containsKey(name)) ? config.sourceOf(ConfigKeys.MONITORING_DRIFT_FEATURE_THRESHOLDS)
        : FROM_PACKAGE));
    return new Resolved(psi, perInput, skew, margin, sources);
  }

  /** Given for this run rather than by the defaults or a settings file. */
  private static boolean explicit(TreelineConfig config, io.treeline.core.config.ConfigKey key) {
    String source = config.sourceOf(key);
    return source != null && (source.equals("--conf") || source.startsWith("environment variable"));
  }

  private static double layered(TreelineConfig config, io.treeline.core.config.ConfigKey key, Double fromPackage, String name,
      Map<String, String> sources) {
    if (fromPackage != null && !explicit(config, key)) {
      sources.put(name, FROM_PACKAGE);
      return fromPackage;
    }
    sources.put(name, config.sourceOf(key));
    return number(config, key);
  }

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
