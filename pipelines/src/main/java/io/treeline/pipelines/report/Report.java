package io.treeline.pipelines.report;

import io.treeline.pipelines.spec.Metrics;
import io.treeline.pipelines.spec.PipelineSpec;
import io.treeline.pipelines.train.Evaluation;
import io.treeline.pipelines.train.Trainer;
import io.treeline.pipelines.train.TrainingRun;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The run's report.md: what was trained on what, the metrics beside the raw-columns baseline, gates, plots. */
final class Report {
  private Report() {}

  private static String calibrationNote(Evaluation evaluation) {
    String method = evaluation.decision().calibration().method();
    if (method.equals("none")) {
      return "The probabilities are the forest's own (no calibration).\n";
    }
    return String.format(Locale.ROOT, "The probabilities are calibrated (%s, fitted on the validation split) and every metric is of the calibrated"
        + " ones; before calibration the test log loss was %.4f and the Brier score %.4f.%n", method,
        evaluation.metrics().get("test_uncalibrated_log_loss"), evaluation.metrics().get("test_uncalibrated_brier"));
  }

  static String markdown(TrainingRun run, PipelineSpec spec, Trainer.ModelFit fit, Evaluation evaluation, Collection<String> plots) {
    StringBuilder md = new StringBuilder();
    md.append("# ").append(spec.name()).append(" — run ").append(run.runId()).append("\n\n");
    if (!spec.description().isEmpty()) {
      md.append(spec.description()).append("\n\n");
    }
    md.append("| | |\n| --- | --- |\n");
    md.append("| model | ").append(spec.model().type().name().toLowerCase(java.util.Locale.ROOT)).append(" |\n");
    md.append("| parameters | `").append(fit.chosenParams()).append("` |\n");
    md.append("| training set | `").append(run.trainingSetTable()).append("` (inputs at Delta versions `").append(run.inputVersions()).append("`) |\n");
    md.append(String.format("| rows | train %,d · validation %,d · test %,d |%n", run.trainRows(), run.validationRows(), run.testRows()));
    md.append(String.format("| elapsed | %.1f s |%n%n", run.elapsedSeconds()));

    md.append("## Metrics\n\n");
    boolean baseline = !run.baselineMetrics().isEmpty();
    md.append(baseline ? "| metric | model | raw columns only |\n| --- | ---: | ---: |\n" : "| metric | model |\n| --- | ---: |\n");
    for (Map.Entry<String, Double> metric : run.metrics().entrySet()) {
      md.append("| ").append(metric.getKey()).append(" | ").append(String.format("%.4f", metric.getValue()));
      if (baseline) {
        Double raw = run.baselineMetrics().get(metric.getKey());
        md.append(" | ").append(raw == null ? "" : String.format("%.4f", raw));
      }
      md.append(" |\n");
    }
    if (baseline) {
      md.append("\nThe baseline is the same model on the raw request columns only (")
          .append(String.join(", ", spec.baseline().columns())).append("): the feature views must beat it.\n");
    }
    md.append("\n").append(spec.model().type().classifier()
        ? String.format(Locale.ROOT, "Threshold %.4f (%s) for accuracy, precision, recall and F1: a probability above it answers 1. "
            + "`baseline_accuracy` predicts the training set's majority class; `lift` is precision over the positive rate; `brier` is the "
            + "mean squared error of the probability.%n", evaluation.decision().threshold(), evaluation.thresholdSource())
            + calibrationNote(evaluation)
        : "`baseline_rmse` predicts the training mean; `lift` is 1 − rmse / baseline_rmse.\n");
    md.append("Lower is better for ").append(String.join(", ", Metrics.LOWER_IS_BETTER)).append("; higher for the rest.\n\n");

    if (!evaluation.testByWeek().isEmpty()) {
      md.append("## Test metrics by week\n\n");
      md.append("A week starts on Monday; a week with one class only has no AUC.\n\n");
      List<String> names = new ArrayList<>(evaluation.testByWeek().get(0).metrics().keySet());
      md.append("| week | rows | ").append(String.join(" | ", names)).append(" |\n| --- | ---: |").append(" ---: |".repeat(names.size())).append("\n");
      for (Evaluation.Period week : evaluation.testByWeek()) {
        md.append("| ").append(week.weekStart()).append(String.format(" | %,d", week.rows()));
        names.forEach(name -> md.append(String.format(Locale.ROOT, " | %.4f", week.metrics().get(name))));
        md.append(" |\n");
      }
      md.append("\n");
    }
    if (!run.gates().isEmpty()) {
      md.append("## Gates\n\n");
      for (TrainingRun.GateCheck gate : run.gates()) {
        md.append("- ").append(gate.passed() ? "passed: " : "**failed**: ").append(gate.describe()).append("\n");
      }
      md.append("\n");
    }
    md.append("## Plots\n\n");
    for (String plot : plots) {
      md.append("![").append(plot.replace(".png", "").replace('_', ' ')).append("](plots/").append(plot).append(")\n\n");
    }
    md.append("## Feature importances\n\n| input | importance |\n| --- | ---: |\n");
    evaluation.importances().entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue().reversed())
        .forEach(e -> md.append("| ").append(e.getKey()).append(" | ").append(String.format("%.4f", e.getValue())).append(" |\n"));
    return md.toString();
  }
}
