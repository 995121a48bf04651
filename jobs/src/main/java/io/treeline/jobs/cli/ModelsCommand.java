package io.treeline.jobs.cli;

import io.treeline.jobs.models.CompareModels;
import io.treeline.jobs.models.DescribeModel;
import io.treeline.jobs.models.ListModels;
import io.treeline.jobs.models.MoveAlias;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "models",
    mixinStandardHelpOptions = true,
    description = {
      "The model registry: the lake's (registry.type=lake, Delta tables registry.* and packages under <lake>/models) or an MLflow tracking server (registry.type=mlflow, registry.mlflow.tracking-uri or MLFLOW_TRACKING_URI; credentials from MLFLOW_TRACKING_TOKEN or MLFLOW_TRACKING_USERNAME/MLFLOW_TRACKING_PASSWORD).",
      "",
      "Versions are registered by: treeline train --pipeline NAME --register [--promote-if-better auc]. A model is named NAME@ALIAS, NAME/VERSION or NAME (its newest version)."
    },
    subcommands = {ModelsCommand.ListCommand.class, ModelsCommand.Describe.class, ModelsCommand.Promote.class, ModelsCommand.Rollback.class,
        ModelsCommand.Compare.class})
final class ModelsCommand {

  @Command(name = "list", mixinStandardHelpOptions = true,
      description = "List the registered models with their newest version and aliases; with NAME, that model's versions (newest first) with status, run, test metric and aliases.")
  static final class ListCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "NAME", arity = "0..1", description = "A registered model.")
    String model;

    @Override
    public Integer call() {
      return CommandRunner.run(spec, config -> new ListModels(model));
    }
  }

  @Command(name = "describe", mixinStandardHelpOptions = true,
      description = "Show a version: status, aliases, run, source (the MLflow-format package), training set and input Delta versions, feature views, tags and metrics.")
  static final class Describe implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "MODEL", description = "NAME@ALIAS, NAME/VERSION or NAME (newest version).")
    String ref;

    @Override
    public Integer call() {
      return CommandRunner.run(spec, config -> new DescribeModel(ref));
    }
  }

  @Command(name = "promote", mixinStandardHelpOptions = true,
      description = "Point an alias at a version (one atomic move). Remembers the version it replaced, for rollback.")
  static final class Promote implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "NAME", description = "A registered model.")
    String model;

    @Option(names = "--version", required = true, paramLabel = "N", description = "The version to promote.")
    long version;

    @Option(names = "--alias", defaultValue = "champion", paramLabel = "ALIAS", description = "The alias to move (default: ${DEFAULT-VALUE}).")
    String alias;

    @Override
    public Integer call() {
      return CommandRunner.run(spec, config -> MoveAlias.promote(model, version, alias));
    }
  }

  @Command(name = "rollback", mixinStandardHelpOptions = true,
      description = "Move an alias back to the version it pointed to before its last promotion. Repeat to go further back.")
  static final class Rollback implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "NAME", description = "A registered model.")
    String model;

    @Option(names = "--alias", defaultValue = "champion", paramLabel = "ALIAS", description = "The alias to roll back (default: ${DEFAULT-VALUE}).")
    String alias;

    @Override
    public Integer call() {
      return CommandRunner.run(spec, config -> MoveAlias.rollback(model, alias));
    }
  }

  @Command(name = "compare", mixinStandardHelpOptions = true,
      description = "Two versions side by side: every metric with the difference and which is better (lower for rmse, mae, log_loss), and whether they were trained on the same input versions.")
  static final class Compare implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "NAME", description = "A registered model.")
    String model;

    @Parameters(index = "1", paramLabel = "A", description = "A version number or an alias.")
    String a;

    @Parameters(index = "2", paramLabel = "B", description = "A version number or an alias.")
    String b;

    @Override
    public Integer call() {
      return CommandRunner.run(spec, config -> new CompareModels(model, a, b));
    }
  }
}
