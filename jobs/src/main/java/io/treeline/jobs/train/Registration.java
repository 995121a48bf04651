package io.treeline.jobs.train;

import io.treeline.core.error.Errors;
import io.treeline.pipelines.spec.Metrics;
import io.treeline.pipelines.spec.PipelineSpec;
import io.treeline.registry.ModelRef;

/**
 * What {@code train} does with a run that passed its gates: register it as a new version, and
 * optionally move an alias to it when it beats the version the alias points at.
 *
 * @param promoteIfBetter a metric ({@code auc} reads as {@code test_auc}), or null
 */
public record Registration(boolean register, String promoteIfBetter, String alias) {
  public static final String DEFAULT_ALIAS = "champion";

  public static Registration none() {
    return new Registration(false, null, DEFAULT_ALIAS);
  }

  public Registration {
    ModelRef.alias(alias, "--alias " + alias);
  }

  public boolean promotes() {
    return promoteIfBetter != null;
  }

  /** The full metric name, checked against what this spec's model reports. */
  public String metric(PipelineSpec spec) {
    String metric = promoteIfBetter.contains("_") && Metrics.SPLITS.stream().anyMatch(s -> promoteIfBetter.startsWith(s + "_"))
        ? promoteIfBetter
        : "test_" + promoteIfBetter;
    boolean classifier = spec.model().type().classifier();
    String bare = metric.substring(metric.indexOf('_') + 1);
    if (!(classifier ? Metrics.CLASSIFICATION : Metrics.REGRESSION).contains(bare)) {
      throw Errors.invalidInput("train", "pipeline " + spec.name() + " with --promote-if-better " + promoteIfBetter,
          "its model does not report " + metric, "Use one of " + (classifier ? Metrics.CLASSIFICATION : Metrics.REGRESSION)
              + ", optionally prefixed with validation_ or test_ (the default).");
    }
    return metric;
  }

  public static boolean lowerIsBetter(String metric) {
    return Metrics.LOWER_IS_BETTER.contains(metric.substring(metric.indexOf('_') + 1));
  }
}
