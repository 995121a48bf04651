package io.treeline.jobs;

import io.treeline.jobs.cli.Cli;

/** Entry point of bin/treeline and of spark-submit --class io.treeline.jobs.Main. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    int exitCode = Cli.execute(args);
    // Under spark-submit, returning lets SparkSubmit stop the session; a non-zero code must still surface.
    if (exitCode != 0 || !io.treeline.core.spark.SparkSessions.launchedBySparkSubmit()) {
      System.exit(exitCode);
    }
  }
}
