package io.treeline.jobs.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.treeline.core.config.ConfigKeys;
import io.treeline.core.config.ConfigLoader;
import io.treeline.core.config.TreelineConfig;
import io.treeline.core.error.ExitCode;
import io.treeline.core.error.TreelineException;
import io.treeline.jobs.runtime.Job;
import io.treeline.jobs.runtime.JobContext;
import io.treeline.jobs.runtime.JobResult;
import io.treeline.jobs.logging.CommandOutcome;
import io.treeline.jobs.logging.JsonLog;
import io.treeline.jobs.logging.LogFormat;
import io.treeline.jobs.monitoring.JobMetrics;
import io.treeline.jobs.monitoring.Pushgateway;
import io.treeline.jobs.monitoring.PushgatewaySettings;
import io.treeline.jobs.runtime.Progress;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.logging.log4j.core.config.Configurator;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The one path from a parsed command to an exit code: resolve settings, build the job, run it,
 * print its summary line, write --summary-json, and map exceptions to exit codes and messages.
 *
 * <p>With --log-format json, stderr carries only JSON log events: errors and progress become events
 * (loggers treeline.cli and treeline.progress) and the outcome is one more (treeline.cli, with the
 * command, status and exit code as fields). Stdout keeps the command's output either way.
 */
final class CommandRunner {
  static final String LOGGER = "treeline.cli";
  private static final Logger LOG = LogManager.getLogger(LOGGER);

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
    TreelineConfig config = null;
    RuntimeException configError = null;
    try {
      config = ConfigLoader.builder().file(ConfigFiles.resolve(root.configFile)).overrides(root.conf).load();
    } catch (RuntimeException e) {
      configError = e;
    }
    LogFormat format = logFormat(root, config);
    int exitCode = ExitCode.SUCCESS.code();
    Pushgateway gateway = null;
    try (JsonLog json = format == LogFormat.JSON ? JsonLog.install() : null) {
      Report report = new Report(err, format == LogFormat.JSON, root.verbose);
      try {
        if (configError != null) {
          throw configError;
        }
        // Read before the job runs: a mistyped URL is a usage error now, not a warning after hours of work.
        gateway = JobMetrics.pushes(command) ? PushgatewaySettings.from(config).map(Pushgateway::new).orElse(null) : null;
        Job<?> job = jobFactory.apply(config);
        Progress progress = format == LogFormat.JSON ? Progress.logged() : new Progress(err, System.console() != null);
        try (JobContext context = new JobContext(config, out, progress)) {
          JobResult result = job.run(context);
          result.warnings().forEach(report::warning);
          out.println(result.summaryLine());
          summary.put("status", "succeeded");
          summary.put("result", result.summary());
          exitCode = result.exitCode();
        }
      } catch (TreelineException e) {
        report.error(e.describe(), e);
        summary.put("status", "failed");
        summary.put("error", e.getMessage());
        exitCode = e.exitCode().code();
      } catch (RuntimeException e) {
        TreelineException translated = SparkErrors.translate(command, e);
        report.error(translated.describe(), e);
        summary.put("status", "failed");
        summary.put("error", translated.getMessage());
        exitCode = translated.exitCode().code();
      }
      summary.put("exit_code", exitCode);
      summary.put("elapsed_seconds", Math.round((System.nanoTime() - start) / 1e7) / 100.0);
      if (root.summaryJson != null) {
        exitCode = writeSummary(root.summaryJson, summary, report, exitCode);
      }
      if (gateway != null) {
        // Pushed last, so the gateway sees the exit code the scheduler sees (an unwritable summary fails the run).
        if (exitCode != (int) summary.get("exit_code")) {
          summary.put("status", "failed");
          summary.put("exit_code", exitCode);
        }
        JobMetrics.push(gateway, command, summary, System.currentTimeMillis(), report::warning);
      }
      report.outcome(command, summary, exitCode);
    }
    return exitCode;
  }

  /** --log-format, else log.format (file, TREELINE_LOG_FORMAT, --conf); with settings that failed to load, the environment alone. */
  private static LogFormat logFormat(TreelineCommand root, TreelineConfig config) {
    if (root.logFormat != null) {
      return root.logFormat;
    }
    if (config != null) {
      return LogFormat.parse(config.get(ConfigKeys.LOG_FORMAT));
    }
    LogFormat fromEnvironment = LogFormat.parse(System.getenv(ConfigKeys.LOG_FORMAT.environmentVariable()));
    return fromEnvironment == null ? LogFormat.TEXT : fromEnvironment;
  }

  /** Where failures go: "error: …" lines for people, or events on the log for collectors. */
  private record Report(PrintStream err, boolean json, boolean verbose) {
    void error(String description, Throwable cause) {
      if (json) {
        // The stack is part of the event only with --verbose, as in text.
        LOG.error(description, verbose ? cause : null);
        return;
      }
      err.println("error: " + description);
      if (verbose) {
        cause.printStackTrace(err);
      }
    }

    void warning(String message) {
      if (json) {
        LOG.warn(message);
      } else {
        err.println("warning: " + message);
      }
    }

    void outcome(String command, Map<String, Object> summary, int exitCode) {
      if (json) {
        LOG.info(new CommandOutcome(command, String.valueOf(summary.get("status")), exitCode, (Double) summary.get("elapsed_seconds")));
      }
    }
  }

  private static int writeSummary(Path file, Map<String, Object> summary, Report report, int exitCode) {
    try {
      Path parent = file.toAbsolutePath().getParent();
      Files.createDirectories(parent);
      Path temporary = Files.createTempFile(parent, ".summary", ".json");
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(temporary.toFile(), summary);
      Files.move(temporary, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      return exitCode;
    } catch (IOException e) {
      report.error("Cannot write summary " + file + ": " + e.getMessage() + "\nPass a writable path to --summary-json.", e);
      return exitCode == 0 ? ExitCode.INVALID_INPUT.code() : exitCode;
    }
  }
}
