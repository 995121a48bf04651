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
        "Run every stage in order on the embedded defaults (local Spark, ./lake): fetch the flights data, load it into Delta, materialize the feature views of conf/features, and train the flight-delay pipeline on a tenth of the flights (its point-in-time training set is training.flight_delay). Prints what it did and what to try next.")
final class QuickstartCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    return CommandRunner.run(spec, config -> new Quickstart(FetchData.defaultCacheDir(config.dataCacheDir())));
  }
}
