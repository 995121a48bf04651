package io.treeline.jobs.cli;

import io.treeline.jobs.train.DescribePipelines;
import io.treeline.jobs.train.DescribePipelines.Mode;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "pipelines",
    mixinStandardHelpOptions = true,
    description = "Check and show training pipelines (conf/pipelines/*.yaml, see docs/pipelines.md).",
    subcommands = {PipelinesCommand.Validate.class, PipelinesCommand.ListPipelines.class, PipelinesCommand.Describe.class})
final class PipelinesCommand {

  @Command(name = "validate", mixinStandardHelpOptions = true,
      description = "Check every pipeline file: keys, values, SQL syntax, model parameters against Spark's estimator, gate metrics. Exit 2 names the file, the key and the reason.")
  static final class Validate implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      return CommandRunner.run(spec, config -> new DescribePipelines(Mode.VALIDATE, null));
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List the pipelines with their model, split and features.")
  static final class ListPipelines implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      return CommandRunner.run(spec, config -> new DescribePipelines(Mode.LIST, null));
    }
  }

  @Command(name = "describe", mixinStandardHelpOptions = true, description = "Print a pipeline's spec.")
  static final class Describe implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "PIPELINE", description = "A pipeline name or file.")
    String pipeline;

    @Override
    public Integer call() {
      return CommandRunner.run(spec, config -> new DescribePipelines(Mode.DESCRIBE, pipeline));
    }
  }
}
