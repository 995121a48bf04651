package io.treeline.jobs;

import io.treeline.core.config.TreelineConfig;
import io.treeline.core.testing.TestSpark;
import io.treeline.jobs.cli.Cli;
import io.treeline.jobs.runtime.Job;
import io.treeline.jobs.runtime.JobContext;
import io.treeline.jobs.runtime.JobResult;
import io.treeline.jobs.runtime.Progress;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** Runs jobs and the command line in the test JVM, on its one SparkSession, capturing what they print. */
public final class JobsTestSupport {
  /**
   * The client-level compiler alone, for the Spark JVMs a test starts beside its own: they live a minute or less on a few
   * thousand rows, where C2's compiling costs more of the two cores than its faster code gives back (docs/testing.md).
   */
  public static final String SHORT_LIVED_JVM = "-XX:TieredStopAtLevel=1";

  private JobsTestSupport() {}

  public record Run<R>(R result, String out) {}

  public static <R extends JobResult> Run<R> runJob(Job<R> job, TreelineConfig config) {
    TestSpark.session();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JobContext context = new JobContext(config, new PrintStream(out, true, StandardCharsets.UTF_8), Progress.silent())) {
      R result = job.run(context);
      return new Run<>(result, out.toString(StandardCharsets.UTF_8));
    }
  }

  public record CliRun(int exitCode, String out, String err) {}

  /** Runs `treeline ARGS` as bin/treeline would, minus the System.exit. */
  public static synchronized CliRun cli(String... args) {
    TestSpark.session();
    PrintStream originalOut = System.out;
    PrintStream originalErr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      int exitCode = Cli.execute(args);
      return new CliRun(exitCode, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(originalOut);
      System.setErr(originalErr);
    }
  }
}
