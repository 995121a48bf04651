package io.treeline.jobs.cli;

import io.treeline.jobs.train.TrainPipeline;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    description = {
      "Train a pipeline: build its point-in-time training set through the feature store, fit the Spark ML Pipeline (tuned if the spec has a grid), evaluate it on the validation and test splits beside a raw-columns baseline, and write the run (model, metrics.json, treeline.json, report.md with plots) to <lake>/runs/<run id>.",
      "",
      "Exit 1 when a gate of the spec is not met (the run is kept), 2 when the spec is wrong."
    })
final class TrainCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--pipeline", required = true, paramLabel = "FILE_OR_NAME",
      description = "A pipeline file (conf/pipelines/flight-delay.yaml) or name (flight-delay).")
  String pipeline;

  @Option(names = "--sample", defaultValue = "1", paramLabel = "FRACTION",
      description = "Train on this fraction of the spine rows, drawn with a fixed seed (default 1: all).")
  double sample;

  @Override
  public Integer call() {
    return CommandRunner.run(spec, config -> new TrainPipeline(pipeline, sample));
  }
}
