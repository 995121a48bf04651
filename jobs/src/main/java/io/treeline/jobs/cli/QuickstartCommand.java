package io.treeline.jobs.cli;

import io.treeline.jobs.data.FetchData;
import io.treeline.jobs.quickstart.Quickstart;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(
    name = "quickstart",
    mixinStandardHelpOptions = true,
    description =
        "Run every stage in order on the embedded defaults (local Spark, ./lake): fetch the flights data, load it into Delta, materialize the feature views of conf/features, push them to the online store, train the flight-delay pipeline on a tenth of the flights (its point-in-time training set is training.flight_delay), register it and promote it to flight-delay@champion if it beats the current one, train a smaller challenger on the same training set (flight-delay@challenger), score the flights of 2001-06-30 with both into scores.* and monitoring.inference_log, stream four hours of that day into origin_airport_stats from event files (online values change as each file arrives), then serve the champion and send a few predictions through each protocol (native, MLflow, Open Inference). Prints what it did and what to try next.")
final class QuickstartCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @picocli.CommandLine.Option(names = "--serve",
      description = "Keep the prediction server up at the end (on serving.port, 8080) until Ctrl-C, instead of stopping it after the sample predictions.")
  boolean serve;

  @picocli.CommandLine.Option(names = "--sample", paramLabel = "FRACTION",
      description = "Load only this fraction of the flights (data load --sample): --sample 0.1 runs every stage on a tenth of them, in about half the time.")
  Double sample;

  @Override
  public Integer call() {
    return CommandRunner.run(spec, config -> new Quickstart(FetchData.defaultCacheDir(config.dataCacheDir()), sample, serve));
  }
}
