package io.treeline.jobs.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.treeline.core.config.ConfigLoader;
import io.treeline.core.config.TreelineConfig;
import io.treeline.core.error.ExitCode;
import io.treeline.core.error.TreelineException;
import io.treeline.jobs.monitoring.JobMetrics;
import io.treeline.jobs.monitoring.Pushgateway;
import io.treeline.jobs.monitoring.PushgatewaySettings;
import io.treeline.jobs.runtime.Job;
import io.treeline.jobs.runtime.JobContext;
import io.treeline.jobs.runtime.JobResult;
import io.treeline.jobs.runtime.Progress;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.config.Configurator;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The one path from a parsed command to an exit code: resolve settings, build the job, run it,
 * print its summary line, write --summary-json, and map exceptions to exit codes and messages.
 */
final class CommandRunner {
  private CommandRunner() {}

  static int run(CommandSpec spec, Function<TreelineConfig, Job<?>> jobFactory) {
    TreelineCommand root = (TreelineCommand) spec.root().userObject();
    String command = spec.qualifiedName(" ").replaceFirst("^treeline ", "");
    PrintStream out = System.out;
    PrintStream err = System.err;
    long start = System.nanoTime();
    if (root.verbose) {
      Configurator.setLevel("org.apache.spark", Level.INFO);
      Configurator.setLevel("io.delta", Level.INFO);
    }
    Map<String, Object> summary = new LinkedHashMap<>();
    summary.put("command", command);
    int exitCode;
    Pushgateway gateway = null;
    try {
      TreelineConfig config = ConfigLoader.builder().file(ConfigFiles.resolve(root.configFile)).overrides(root.conf).load();
      // Read before the job runs: a mistyped URL is a usage error now, not a warning after hours of work.
      gateway = JobMetrics.pushes(command) ? PushgatewaySettings.from(config).map(Pushgateway::new).orElse(null) : null;
      Job<?> job = jobFactory.apply(config);
      try (JobContext context = new JobContext(config, out, new Progress(err, System.console() != null))) {
        JobResult result = job.run(context);
        out.println(result.summaryLine());
        summary.put("status", "succeeded");
        summary.put("result", result.summary());
      }
      exitCode = ExitCode.SUCCESS.code();
    } catch (TreelineException e) {
      err.println("error: " + e.describe());
      printCause(err, e, root.verbose);
      summary.put("status", "failed");
      summary.put("error", e.getMessage());
      exitCode = e.exitCode().code();
    } catch (RuntimeException e) {
      TreelineException translated = SparkErrors.translate(command, e);
      err.println("error: " + translated.describe());
      printCause(err, e, root.verbose);
      summary.put("status", "failed");
      summary.put("error", translated.getMessage());
      exitCode = translated.exitCode().code();
    }
    summary.put("exit_code", exitCode);
    summary.put("elapsed_seconds", Math.round((System.nanoTime() - start) / 1e7) / 100.0);
    if (gateway != null) {
      JobMetrics.push(gateway, command, summary, System.currentTimeMillis(), err);
    }
    if (root.summaryJson != null) {
      exitCode = writeSummary(root.summaryJson, summary, err, exitCode);
    }
    return exitCode;
  }

  private static void printCause(PrintStream err, Throwable e, boolean verbose) {
    if (verbose) {
      e.printStackTrace(err);
    }
  }

  private static int writeSummary(Path file, Map<String, Object> summary, PrintStream err, int exitCode) {
    try {
      Path parent = file.toAbsolutePath().getParent();
      Files.createDirectories(parent);
      Path temporary = Files.createTempFile(parent, ".summary", ".json");
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(temporary.toFile(), summary);
      Files.move(temporary, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      return exitCode;
    } catch (IOException e) {
      err.println("error: Cannot write summary " + file + ": " + e.getMessage() + "\nPass a writable path to --summary-json.");
      return exitCode == 0 ? ExitCode.INVALID_INPUT.code() : exitCode;
    }
  }
}
