package io.treeline.jobs.train;

import io.treeline.core.json.JsonObjects;
import io.treeline.core.error.Errors;
import io.treeline.jobs.features.FeatureViews;
import io.treeline.jobs.runtime.Job;
import io.treeline.jobs.runtime.JobContext;
import io.treeline.jobs.runtime.JobResult;
import io.treeline.jobs.runtime.TreelineVersion;
import io.treeline.pipelines.spec.PipelineSpec;
import io.treeline.pipelines.train.Trainer;
import io.treeline.pipelines.train.TrainingRun;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/** Trains a pipeline, writes its run into the lake and holds it to the spec's gates. */
public final class TrainPipeline implements Job<TrainPipeline.Result> {
  private final String pipeline;
  private final double sample;

  public TrainPipeline(String pipeline, double sample) {
    if (!(sample > 0 && sample <= 1)) {
      throw Errors.invalidInput("train", "pipeline " + pipeline, "--sample must be in (0, 1], got " + sample, "Pass e.g. --sample 0.1.");
    }
    this.pipeline = pipeline;
    this.sample = sample;
  }

  public record Result(TrainingRun run) implements JobResult {
    @Override
    public String summaryLine() {
      String headline = run.metrics().containsKey("test_auc")
          ? String.format("test AUC %.4f (raw columns only: %s)", run.metrics().get("test_auc"), baseline("test_auc"))
          : String.format("test RMSE %.4f (raw columns only: %s)", run.metrics().get("test_rmse"), baseline("test_rmse"));
      return "Trained " + run.pipeline() + ": " + headline + "; run " + run.runId() + " in " + run.directory();
    }

    private String baseline(String metric) {
      Double value = run.baselineMetrics().get(metric);
      return value == null ? "not trained" : String.format("%.4f", value);
    }

    @Override
    public Map<String, Object> summary() {
      Map<String, Object> summary = new LinkedHashMap<>();
      summary.put("run_id", run.runId());
      summary.put("directory", run.directory());
      summary.put("metrics", run.metrics());
      summary.put("raw_columns_baseline", run.baselineMetrics());
      summary.put("gates", run.gates().stream().collect(Collectors.toMap(TrainingRun.GateCheck::metric, TrainingRun.GateCheck::passed)));
      summary.put("rows", JsonObjects.of("train", run.trainRows(), "validation", run.validationRows(), "test", run.testRows()));
      summary.put("training_inputs", run.inputVersions());
      summary.put("phase_seconds", run.phaseSeconds());
      summary.put("elapsed_seconds", run.elapsedSeconds());
      return summary;
    }
  }

  @Override
  public Result run(JobContext context) {
    context.requireWritableLake();
    PipelineSpec spec = Pipelines.load(context.config(), pipeline);
    context.progress().status("training " + spec.name());
    Trainer trainer = new Trainer(context.spark(), context.layout(), FeatureViews.load(context.config()));
    TrainingRun run = trainer.train(spec, new Trainer.Options(sample, provenance()));
    run.metrics().forEach((name, value) -> context.out().printf("  %-28s %.4f%n", name, value));
    context.out().println("  report: " + run.directory() + "/report.md");
    if (!run.passed()) {
      String missed = run.gates().stream().filter(g -> !g.passed()).map(TrainingRun.GateCheck::describe).collect(Collectors.joining("; "));
      throw Errors.jobFailed("pass", "the gates of " + spec.name(), missed,
          "The run is kept in " + run.directory() + " for inspection; it is not registered.", null);
    }
    return new Result(run);
  }

  static Map<String, String> provenance() {
    Map<String, String> versions = new LinkedHashMap<>();
    versions.put("treeline", TreelineVersion.treeline());
    versions.put("spark", TreelineVersion.spark());
    versions.put("delta", TreelineVersion.delta());
    versions.put("java", System.getProperty("java.version"));
    String commit = GitCommit.current();
    if (commit != null) {
      versions.put("git_commit", commit);
    }
    return versions;
  }
}
