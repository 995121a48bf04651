package io.treeline.jobs.cli;

import io.treeline.jobs.models.CompareModels;
import io.treeline.jobs.models.CompileModel;
import io.treeline.jobs.models.DescribeModel;
import io.treeline.jobs.models.ListModels;
import io.treeline.jobs.models.MoveAlias;
import io.treeline.jobs.monitor.LabelSource;
import io.treeline.jobs.monitor.LiveComparison;
import io.treeline.jobs.monitor.MonitorRange;
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
        ModelsCommand.Compare.class, ModelsCommand.Compile.class})
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

  @Command(name = "compile", mixinStandardHelpOptions = true,
      description = {"Give a version an older Treeline registered its compiled pipeline (compiled-pipeline.bin), so that serve loads it without Spark:"
          + " reads its Spark ML model with Spark, compiles it, checks the compiled form reads back, and adds the file to the registered package."
          + " Training writes the file itself; a version whose file reads back is left as it is, a damaged one is written anew. Exit 2 when a stage is one serving does not support."})
  static final class Compile implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "MODEL", description = "NAME@ALIAS, NAME/VERSION or NAME (newest version).")
    String ref;

    @Override
    public Integer call() {
      return CommandRunner.run(spec, config -> new CompileModel(ref));
    }
  }

  @Command(name = "compare", mixinStandardHelpOptions = true,
      description = {"Two versions side by side: every metric with the difference and which is better (lower for rmse, mae, log_loss), and whether they were trained on the same input versions.",
          "",
          "With --live, on live traffic instead: their predictions in monitoring.inference_log (routed arms, shadows, batch scoring) joined to the labels "
              + "as treeline monitor joins them, as a Spark job; per version the requests, labelled records, AUC with its 95% interval (DeLong), "
              + "log loss and calibration error, and B - A with its interval and p-value — paired on the records both scored (a shadow beside its arm), "
              + "else unpaired. --promote-if-better moves A's alias to B's version only when B is better with the interval excluding 0.",
          "",
          "Example: treeline models compare --live flight-delay champion challenger --labels-sql \"select origin, destination, "
              + "replace(cast(departure_time as string), ' ', 'T') departure, cast(arrival_delay > 15 as double) label from raw.flights\" "
              + "--label-key origin,destination,departure"})
  static final class Compare implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "NAME", description = "A registered model.")
    String model;

    @Parameters(index = "1", paramLabel = "A", description = "A version number or an alias (with --promote-if-better: the alias to move).")
    String a;

    @Parameters(index = "2", paramLabel = "B", description = "A version number or an alias.")
    String b;

    @Option(names = "--live", description = "Compare on the inference log's labelled predictions, not on the training-time metrics.")
    boolean live;

    @Option(names = "--since", paramLabel = "TIME", converter = TimeConverter.class,
        description = "First moment compared, inclusive (by the request's event time, else when it was logged); default: all.")
    java.time.LocalDateTime since;

    @Option(names = "--until", paramLabel = "TIME", converter = TimeConverter.class, description = "End of the range, exclusive; default: all.")
    java.time.LocalDateTime until;

    @Option(names = "--labels", paramLabel = "TABLE", description = "A lake table with the --label-key columns and a `label` column.")
    String labelsTable;

    @Option(names = "--labels-sql", paramLabel = "QUERY", description = "A SELECT giving the --label-key columns and `label`.")
    String labelsSql;

    @Option(names = "--label-key", split = ",", paramLabel = "COLUMN,…",
        description = "Columns identifying a request record in both the labels and the logged request JSON.")
    java.util.List<String> labelKey = java.util.List.of();

    @Option(names = "--promote-if-better", paramLabel = "METRIC",
        description = "auc or log_loss: move A's alias to B's version when B is better on it with significance (95%% interval of B - A excluding 0).")
    String promoteMetric;

    @Override
    public Integer call() {
      return CommandRunner.run(spec, config -> {
        if (!live) {
          if (labelsTable != null || labelsSql != null || promoteMetric != null || since != null || until != null) {
            throw io.treeline.core.error.Errors.invalidInput("compare", model, "--labels, --since, --until and --promote-if-better need --live",
                "Add --live to compare on live traffic, or leave them out to compare the training-time metrics.");
          }
          return new CompareModels(model, a, b);
        }
        return new LiveComparison(model, a, b, new MonitorRange(since, until, MonitorRange.Granularity.RANGE),
            new LabelSource(labelsTable, labelsSql, labelKey), promoteMetric);
      });
    }
  }
}
