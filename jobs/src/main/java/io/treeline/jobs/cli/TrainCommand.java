package io.treeline.jobs.cli;

import io.treeline.core.lake.TableName;
import io.treeline.jobs.train.Registration;
import io.treeline.jobs.train.TrainPipeline;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    description = {
      "Train a pipeline: build its point-in-time training set through the feature store, fit the Spark ML Pipeline (tuned if the spec has a grid), evaluate it on the validation and test splits beside a raw-columns baseline, write the run (model/ in the MLflow model format with treeline.json, metrics.json, report.md with plots) to <lake>/runs/<run id>, and record the run in the model registry (the lake's, or MLflow with registry.type=mlflow).",
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

  @Option(names = "--training-set", paramLabel = "TABLE",
      description = "Train on this training set, as an earlier run of the same pipeline and --sample built it (training.flight_delay, say), instead of building it again: for another model, grid or seed on the same rows. Its spine, event time and feature columns must be this run's; the run records the table's version and the input versions it was built from.")
  String trainingSet;

  @Option(names = "--register",
      description = "Register the model as the next version of the spec's register.name in the registry (registry.type), when the gates pass.")
  boolean register;

  @Option(names = "--promote-if-better", paramLabel = "METRIC",
      description = "Implies --register. Move the alias (--alias, default champion) to the new version only if it beats the version the alias points at on METRIC (auc reads as test_auc; validation_auc, test_rmse, log_loss … work too; rmse, mae and log_loss improve downwards). Says which way it went.")
  String promoteIfBetter;

  @Option(names = "--alias", defaultValue = Registration.DEFAULT_ALIAS, paramLabel = "ALIAS",
      description = "The alias --promote-if-better moves (default: ${DEFAULT-VALUE}).")
  String alias;

  @Override
  public Integer call() {
    return CommandRunner.run(spec, config -> new TrainPipeline(pipeline, sample, new Registration(register, promoteIfBetter, alias),
        Optional.ofNullable(trainingSet).map(TableName::parse)));
  }
}
