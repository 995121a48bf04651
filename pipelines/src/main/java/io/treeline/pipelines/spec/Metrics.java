package io.treeline.pipelines.spec;

import java.util.List;

/** The metric names a run reports, per split: {@code <split>_<metric>}, e.g. test_auc, validation_rmse. */
public final class Metrics {
  public static final List<String> SPLITS = List.of("validation", "test");
  public static final List<String> CLASSIFICATION =
      List.of("auc", "auc_pr", "log_loss", "brier", "accuracy", "precision", "recall", "f1", "baseline_accuracy", "lift");
  public static final List<String> REGRESSION = List.of("rmse", "mae", "r2", "baseline_rmse", "lift");
  /** Metrics where lower is better; the rest improve upwards. */
  public static final List<String> LOWER_IS_BETTER = List.of("log_loss", "brier", "rmse", "mae", "baseline_rmse");

  private Metrics() {}

  static void requireKnown(String metric, boolean classifier, PipelineSpecParser.Node node) {
    List<String> names = classifier ? CLASSIFICATION : REGRESSION;
    for (String split : SPLITS) {
      if (metric.startsWith(split + "_") && names.contains(metric.substring(split.length() + 1))) {
        return;
      }
    }
    throw node.error("'" + metric + "' is not a metric of this model",
        "Use <split>_<metric> with split in " + SPLITS + " and metric in " + names + ", e.g. " + SPLITS.get(SPLITS.size() - 1) + "_" + names.get(0) + ".");
  }
}
