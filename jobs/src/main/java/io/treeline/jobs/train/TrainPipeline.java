package io.treeline.jobs.train;

import io.treeline.core.error.Errors;
import io.treeline.core.hash.Sha256;
import io.treeline.core.json.JsonObjects;
import io.treeline.core.lake.TableName;
import io.treeline.jobs.features.FeatureViews;
import io.treeline.jobs.runtime.Job;
import io.treeline.jobs.runtime.JobContext;
import io.treeline.jobs.runtime.JobResult;
import io.treeline.jobs.runtime.TreelineVersion;
import io.treeline.pipelines.report.RunWriter;
import io.treeline.pipelines.spec.PipelineSpec;
import io.treeline.pipelines.train.Trainer;
import io.treeline.pipelines.train.TrainingRun;
import io.treeline.registry.LoggedRun;
import io.treeline.registry.ModelRegistry;
import io.treeline.registry.ModelVersion;
import io.treeline.registry.Promotion;
import io.treeline.registry.RunRecord;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Trains a pipeline, writes its run into the lake, records it in the model registry and holds it
 * to the spec's gates; then, when asked, registers the model and promotes it if it is better.
 */
public final class TrainPipeline implements Job<TrainPipeline.Result> {
  private final String pipeline;
  private final double sample;
  private final Registration registration;
  private final Optional<TableName> trainingSet;

  public TrainPipeline(String pipeline, double sample, Registration registration) {
    this(pipeline, sample, registration, Optional.empty());
  }

  /** @param trainingSet a training set an earlier run of the same pipeline and sample built, to train on instead of building one */
  public TrainPipeline(String pipeline, double sample, Registration registration, Optional<TableName> trainingSet) {
    if (!(sample > 0 && sample <= 1)) {
      throw Errors.invalidInput("train", "pipeline " + pipeline, "--sample must be in (0, 1], got " + sample, "Pass e.g. --sample 0.1.");
    }
    this.pipeline = pipeline;
    this.sample = sample;
    this.registration = registration;
    this.trainingSet = trainingSet;
  }

  public record Result(TrainingRun run, String registry, LoggedRun logged, ModelVersion version, Promotion.Decision decision)
      implements JobResult {
    @Override
    public String summaryLine() {
      String headline = run.metrics().containsKey("test_auc")
          ? String.format("test AUC %.4f (raw columns only: %s)", run.metrics().get("test_auc"), baseline("test_auc"))
          : String.format("test RMSE %.4f (raw columns only: %s)", run.metrics().get("test_rmse"), baseline("test_rmse"));
      String registered = version == null ? "" : "; registered " + version
          + (decision == null ? "" : decision.promoted() ? " (promoted)" : " (not promoted)");
      return "Trained " + run.pipeline() + ": " + headline + "; run " + run.runId() + " in " + run.directory() + registered;
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
      if (run.decision() != null) {
        summary.put("decision", JsonObjects.of("threshold", run.decision().threshold(), "threshold_source", run.thresholdSource(),
            "calibration", run.decision().calibration().method()));
      }
      summary.put("gates", run.gates().stream().collect(Collectors.toMap(TrainingRun.GateCheck::metric, TrainingRun.GateCheck::passed)));
      summary.put("rows", JsonObjects.of("train", run.trainRows(), "validation", run.validationRows(), "test", run.testRows()));
      summary.put("training_inputs", run.inputVersions());
      summary.put("registry", JsonObjects.of("type", registry, "run_id", logged.runId(), "artifact_uri", logged.artifactUri()));
      if (version != null) {
        summary.put("registered", JsonObjects.of("model", version.model(), "version", version.version(), "source", version.source()));
      }
      if (decision != null) {
        summary.put("promotion", JsonObjects.of("promoted", decision.promoted(), "metric", decision.metric(),
            "value", decision.candidateValue(), "champion_version", decision.champion().orElse(null),
            "champion_value", decision.championValue().orElse(null), "explanation", decision.explanation()));
      }
      summary.put("phase_seconds", run.phaseSeconds());
      summary.put("elapsed_seconds", run.elapsedSeconds());
      return summary;
    }
  }

  @Override
  public Result run(JobContext context) {
    context.requireWritableLake();
    PipelineSpec spec = Pipelines.load(context.config(), pipeline);
    String metric = registration.promotes() ? registration.metric(spec) : null;
    ModelRegistry registry = context.registry();
    context.progress().status("training " + spec.name());
    Trainer trainer = new Trainer(context.spark(), context.layout(), FeatureViews.load(context.config()));
    TrainingRun run = trainer.train(spec, new Trainer.Options(sample, provenance(), trainingSet));
    if (trainingSet.isPresent()) {
      context.out().println("  trained on " + run.trainingSetTable() + ", built earlier from " + run.inputVersions().entrySet().stream()
          .map(e -> e.getKey() + " version " + e.getValue()).collect(Collectors.joining(", ")));
    }
    run.metrics().forEach((name, value) -> context.out().printf("  %-32s %.4f%n", name, value));
    if (run.decision() != null) {
      context.out().printf("  decision threshold %.4f, %s; calibration %s%n", run.decision().threshold(), run.thresholdSource(),
          run.decision().calibration().method());
    }
    context.out().println("  report: " + run.directory() + "/report.md");

    context.progress().status("recording run " + run.runId());
    LoggedRun logged = registry.logRun(record(run, spec));
    context.out().println("  run recorded in the " + registry.kind() + " registry at " + registry.location() + " (run id " + logged.runId() + ")");
    if (!run.passed()) {
      String missed = run.gates().stream().filter(g -> !g.passed()).map(TrainingRun.GateCheck::describe).collect(Collectors.joining("; "));
      throw Errors.jobFailed("pass", "the gates of " + spec.name(), missed,
          "The run is kept in " + run.directory() + " for inspection; it is not registered.", null);
    }
    if (!registration.register() && !registration.promotes()) {
      return new Result(run, registry.kind(), logged, null, null);
    }
    context.progress().status("registering " + spec.registeredModel());
    ModelVersion version = registry.register(spec.registeredModel(), logged, RunWriter.MODEL, versionTags(run, spec));
    context.out().println("  registered " + version + " (" + version.source() + ")");
    Promotion.Decision decision = null;
    if (registration.promotes()) {
      decision = new Promotion(registry).promoteIfBetter(version, registration.alias(), metric, Registration.lowerIsBetter(metric));
      context.out().println("  " + decision.explanation());
    }
    return new Result(run, registry.kind(), logged, version, decision);
  }

  private static RunRecord record(TrainingRun run, PipelineSpec spec) {
    Map<String, String> params = new LinkedHashMap<>();
    params.put("model_type", spec.model().type().name().toLowerCase(java.util.Locale.ROOT));
    run.params().forEach((k, v) -> params.put(k, String.valueOf(v)));
    params.put("training_set", run.trainingSetTable());
    run.inputVersions().forEach((table, version) -> params.put("input_version." + table, Long.toString(version)));
    Map<String, Double> metrics = new LinkedHashMap<>(run.metrics());
    run.baselineMetrics().forEach((k, v) -> metrics.put("raw_columns_" + k, v));
    metrics.put("rows_train", (double) run.trainRows());
    metrics.put("rows_validation", (double) run.validationRows());
    metrics.put("rows_test", (double) run.testRows());
    run.phaseSeconds().forEach((k, v) -> metrics.put("seconds_" + k, v));
    Map<String, String> tags = new LinkedHashMap<>();
    tags.put("treeline.pipeline", spec.name());
    tags.put("treeline.spec_sha256", Sha256.of(spec.text()));
    tags.put("treeline.gates", run.passed() ? "passed" : "failed");
    tags.put("mlflow.source.name", "treeline train --pipeline " + spec.name());
    tags.put("mlflow.source.type", "JOB");
    tags.put("mlflow.user", System.getProperty("user.name", "treeline"));
    String commit = GitCommit.current();
    if (commit != null) {
      tags.put("mlflow.source.git.commit", commit);
      tags.put("treeline.git_commit", commit);
    }
    return new RunRecord(run.runId(), spec.name(), run.directory(), params, metrics, tags, run.startedAt(), Instant.now(), run.passed());
  }

  private static Map<String, String> versionTags(TrainingRun run, PipelineSpec spec) {
    Map<String, String> tags = new LinkedHashMap<>();
    tags.put("treeline.run_id", run.runId());
    tags.put("treeline.spec_sha256", Sha256.of(spec.text()));
    return tags;
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
