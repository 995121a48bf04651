package io.treeline.jobs.quickstart;

import io.treeline.core.lake.TableName;
import io.treeline.jobs.data.FetchData;
import io.treeline.featurestore.spec.FeatureView;
import io.treeline.jobs.features.FeatureViews;
import io.treeline.jobs.features.MaterializeFeatures;
import io.treeline.jobs.features.PushOnline;
import io.treeline.jobs.data.LoadData;
import io.treeline.jobs.runtime.Job;
import io.treeline.jobs.score.ScoreBatch;
import io.treeline.jobs.score.ScoreWriteMode;
import io.treeline.jobs.score.ScoringInput;
import io.treeline.jobs.serve.ServeModels;
import io.treeline.core.config.ConfigKeys;
import io.treeline.serving.ServingApp;
import io.treeline.serving.inference.InferenceLog;
import io.treeline.serving.model.ServedModel;
import io.treeline.jobs.runtime.JobContext;
import io.treeline.jobs.runtime.JobResult;
import io.treeline.jobs.train.Registration;
import io.treeline.jobs.train.TrainPipeline;
import io.treeline.registry.Promotion;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Runs every stage of the platform in order on the configured (by default embedded) parts. */
public final class Quickstart implements Job<Quickstart.Result> {
  private final Path cacheDir;
  static final String SCORES = "scores.flight_delay";
  static final String CHALLENGER = "challenger";
  static final String CHALLENGER_FOREST = "5 trees of depth 3";
  static final String LABELS_SQL = "select flight_id, cast(arrival_delay > 15 as double) label from raw.flights";
  private final Double sample;
  private final boolean keepServing;

  /**
   * @param sample load only this fraction of the flights (data load --sample), or null for all of them
   * @param keepServing leave the prediction server up (on serving.port) until Ctrl-C instead of stopping it after the tour
   */
  public Quickstart(Path cacheDir, Double sample, boolean keepServing) {
    this.cacheDir = cacheDir;
    this.sample = sample;
    this.keepServing = keepServing;
  }

  public record Stage(String name, String outcome) {}

  public record Result(List<Stage> stages) implements JobResult {
    @Override
    public String summaryLine() {
      return "Quickstart finished: " + stages.size() + " stages.";
    }

    @Override
    public Map<String, Object> summary() {
      Map<String, Object> summary = new LinkedHashMap<>();
      stages.forEach(s -> summary.put(s.name(), s.outcome()));
      return summary;
    }
  }

  @Override
  public Result run(JobContext context) {
    List<Stage> stages = new ArrayList<>();
    stage(context, stages, "data fetch", new FetchData(null, cacheDir));
    stage(context, stages, "data load", new LoadData(null, sample, false));
    // origin_airport_stats is the view the streaming stage keeps fresh; the batch stages leave it to the stream.
    List<String> batchViews = FeatureViews.load(context.config()).views().stream().map(FeatureView::name)
        .filter(name -> !name.equals(StreamingTour.VIEW)).toList();
    List<String> onlineViews = FeatureViews.load(context.config()).views().stream().filter(FeatureView::online).map(FeatureView::name)
        .filter(name -> !name.equals(StreamingTour.VIEW)).toList();
    stage(context, stages, "features materialize", new MaterializeFeatures(batchViews, Optional.empty(), Optional.empty(), false));
    stage(context, stages, "features push-online", new PushOnline(onlineViews, Optional.empty()));
    // A tenth of the flights keeps the quickstart within minutes; the features still see all of them.
    TrainPipeline.Result champion = stage(context, stages, "train flight-delay (10% sample), register, promote if better",
        new TrainPipeline("flight-delay", 0.1, new Registration(true, "auc", Registration.DEFAULT_ALIAS)));
    // A second version to weigh against the champion on traffic: the same pipeline with a much smaller forest, truly worse,
    // trained on the champion's training set rather than a rebuilt copy of it.
    TrainPipeline.Result challenger = stage(context, stages, "train a challenger (flight-delay with " + CHALLENGER_FOREST + ") on the same "
        + "training set, register as flight-delay@challenger", new TrainPipeline(challengerSpec(context).toString(), 0.1,
        new Registration(true, null, CHALLENGER), Optional.of(TableName.parse(champion.run().trainingSetTable()))));
    context.out().println("    " + new Promotion(context.registry()).promote("flight-delay", challenger.version().version(), CHALLENGER).describe());
    // The night's batch run a scheduler would start: the last day's flights, each as of its departure; logged, as is the
    // challenger's run over the same flights, so the two can be compared on them (models compare --live).
    for (String alias : List.of("champion", CHALLENGER)) {
      String out = alias.equals("champion") ? SCORES : SCORES + "_" + CHALLENGER;
      stage(context, stages, "score the flights of 2001-06-30 with flight-delay@" + alias + " into " + out, new ScoreBatch("flight-delay@" + alias,
          new ScoringInput(null, "select * from raw.flights where departure_date = '2001-06-30'", "departure_time", null),
          TableName.parse(out), ScoreWriteMode.parse("replace-where=departure_date = '2001-06-30'"), List.of(), false, true));
    }
    context.out().printf("[%d] stream %s from event files: four hours of June 30, online values as each file arrives%n", stages.size() + 1,
        StreamingTour.VIEW);
    long streamStart = System.nanoTime();
    StreamingTour.Result streamed = new StreamingTour(context).run();
    context.out().println("    " + streamed.summaryLine() + took(streamStart));
    stages.add(new Stage("stream", streamed.summaryLine()));
    serve(context, stages);
    context.out().println();
    context.out().println("Next, try:");
    context.out().println("  bin/treeline sql \"select origin, count(*) flights, avg(arrival_delay) avg_delay"
        + " from raw.flights group by origin order by flights desc limit 10\"");
    context.out().println("  bin/treeline sql \"describe raw.flights\"");
    context.out().println("  bin/treeline features list");
    context.out().println("  bin/treeline features describe origin_delays");
    context.out().println("  bin/treeline sql \"select flight_id, origin_delays__avg_delay_24h, route_delays__avg_delay_7d, label"
        + " from training.flight_delay limit 5\"");
    context.out().println("  bin/treeline sql \"select origin, count(*) flights, avg(probability) predicted, avg(cast(arrival_delay > 15 as int)) actual"
        + " from " + SCORES + " group by origin order by flights desc limit 10\"");
    context.out().println("  bin/treeline train --pipeline flight-delay        # on all flights");
    context.out().println("  bin/treeline models list flight-delay");
    context.out().println("  bin/treeline models describe flight-delay@champion");
    context.out().println("  bin/treeline serve --model flight-delay@champion");
    context.out().println("  bin/treeline serve --route flight-delay=champion:90,challenger:10   # or --model flight-delay@champion --shadow flight-delay=challenger");
    context.out().println("  bin/treeline models compare --live flight-delay champion challenger --labels-sql \"" + LABELS_SQL + "\" --label-key flight_id");
    context.out().println("  bin/treeline stream status --conf stream.checkpoint-dir=lake/checkpoints/quickstart");
    context.out().println("  bin/treeline sql \"select * from features.origin_airport_stats where origin = 'ORD' order by feature_time desc limit 5\"");
    context.out().println("  bin/treeline sql \"select logged_at, route, request, prediction, probability, latency_ms from monitoring.inference_log"
        + " order by logged_at desc limit 5\"");
    context.out().println("  bin/treeline doctor");
    context.out().println("  bin/treeline --help");
    return new Result(stages);
  }

  /** Serves the champion, predicts through each protocol, and stops the server (or keeps it up with --serve). */
  private void serve(JobContext context, List<Stage> stages) {
    context.out().printf("[%d] serve flight-delay@champion and predict through each protocol%n", stages.size() + 1);
    if (keepServing) {
      new ServeModels(List.of("flight-delay@champion"), null).run(context);
      stages.add(new Stage("serve", "served until stopped"));
      return;
    }
    ServingApp app = ServeModels.start(context, List.of("flight-delay@champion"), 0);
    String outcome;
    try (app) {
      new ServingTour(app.baseUrl(), context.out()).run("flight-delay");
      ServedModel model = app.host().get("flight-delay");
      outcome = "served " + model.registeredModel() + " version " + model.version() + " at " + app.baseUrl() + ", then stopped";
    }
    // Closing the server wrote what its inference log held; the table is what a monitoring job reads.
    InferenceLog log = app.server().inferenceLog();
    if (log.enabled()) {
      String table = context.config().get(ConfigKeys.SERVING_INFERENCE_LOG_TABLE);
      long rows = context.spark().read().format("delta").load(log.destination()).count();
      outcome += "; logged " + log.committedRows() + " predictions to " + table + " (" + rows + " rows in all)";
    }
    context.out().println("    " + outcome + " (--serve keeps it up)");
    stages.add(new Stage("serve", outcome));
  }

  private static <R extends JobResult> R stage(JobContext context, List<Stage> stages, String name, Job<R> job) {
    context.out().printf("[%d] %s%n", stages.size() + 1, name);
    long start = System.nanoTime();
    R result = job.run(context);
    context.out().println("    " + result.summaryLine() + took(start));
    stages.add(new Stage(name, result.summaryLine()));
    return result;
  }

  /** A stage's wall time, so a slow stage shows where the minutes go. */
  private static String took(long startNanos) {
    return String.format(java.util.Locale.ROOT, " [%.1f s]", (System.nanoTime() - startNanos) / 1e9);
  }

  /** The flight-delay pipeline with a smaller forest, registered under flight-delay: a temporary file. */
  private static Path challengerSpec(JobContext context) {
    Path reference = Path.of(context.config().get(ConfigKeys.PIPELINES_DIR), "flight-delay.yaml");
    try {
      String spec = java.nio.file.Files.readString(reference);
      // Its own pipeline name, registered under flight-delay as the spec's register section says.
      String changed = spec.replace("\nname: flight-delay\n", "\nname: flight-delay-challenger\n").replace("numTrees: 40", "numTrees: 5")
          .replace("maxDepth: 8", "maxDepth: 3");
      if (!changed.contains("numTrees: 5\n") || !changed.contains("maxDepth: 3\n") || !spec.contains("register:\n  name: flight-delay\n")) {
        throw io.treeline.core.error.Errors.invalidInput("quickstart", reference.toString(), "it no longer reads as the reference pipeline",
            "Restore conf/pipelines/flight-delay.yaml (git checkout conf/pipelines) to run the quickstart.");
      }
      Path file = java.nio.file.Files.createTempFile("flight-delay-challenger", ".yaml");
      file.toFile().deleteOnExit();
      return java.nio.file.Files.writeString(file, changed);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
