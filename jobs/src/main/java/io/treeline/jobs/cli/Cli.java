package io.treeline.jobs.cli;

import io.treeline.core.error.ExitCode;
import picocli.CommandLine;

/** Builds the picocli command line; tests call {@link #execute} directly. */
public final class Cli {
  private Cli() {}

  public static CommandLine commandLine() {
    CommandLine commandLine = new CommandLine(new TreelineCommand());
    commandLine.setCaseInsensitiveEnumValuesAllowed(true);
    commandLine.setUsageHelpAutoWidth(true);
    commandLine.setExecutionExceptionHandler((e, cl, parseResult) -> {
      cl.getErr().println("error: " + SparkErrors.translate(cl.getCommandName(), e).describe());
      return ExitCode.JOB_FAILED.code();
    });
    return commandLine;
  }

  public static int execute(String... args) {
    return commandLine().execute(args);
  }
}
