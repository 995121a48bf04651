package io.treeline.jobs.cli;

import io.treeline.core.error.Errors;
import io.treeline.core.error.TreelineException;

/** Turns exceptions from Spark and Delta into Treeline errors with the right exit code. */
final class SparkErrors {
  private SparkErrors() {}

  static TreelineException translate(String command, Throwable e) {
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      if (cause instanceof TreelineException treeline) {
        return treeline;
      }
      if (isA(cause, "io.delta.exceptions.DeltaConcurrentModificationException")) {
        return Errors.conflict("commit", "the result of '" + command + "'", firstLine(cause.getMessage()), e);
      }
    }
    return Errors.jobFailed("run", "'" + command + "'", e.getClass().getSimpleName() + ": " + firstLine(e.getMessage()),
        "Run it again with --verbose to see Spark's log and the stack trace.", e);
  }

  /** By name, so that a command that runs without Spark (serve) can fail without loading Delta's Spark classes. */
  private static boolean isA(Throwable e, String className) {
    for (Class<?> c = e.getClass(); c != null; c = c.getSuperclass()) {
      if (c.getName().equals(className)) {
        return true;
      }
    }
    return false;
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "(no message)";
    }
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }
}
