package io.treeline.core.error;

/** The process exit codes every Treeline command uses; schedulers branch on them. */
public enum ExitCode {
  SUCCESS(0),
  JOB_FAILED(1),
  INVALID_INPUT(2),
  RETRYABLE_CONFLICT(3);

  private final int code;

  ExitCode(int code) {
    this.code = code;
  }

  public int code() {
    return code;
  }
}
