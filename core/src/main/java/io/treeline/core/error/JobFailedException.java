package io.treeline.core.error;

/** The job ran and failed (a Spark failure, a missed quality gate). Exit 1. */
public class JobFailedException extends TreelineException {
  public JobFailedException(String message, String remedy) {
    super(message, remedy, null);
  }

  public JobFailedException(String message, String remedy, Throwable cause) {
    super(message, remedy, cause);
  }

  @Override
  public ExitCode exitCode() {
    return ExitCode.JOB_FAILED;
  }
}
