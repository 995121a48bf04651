package io.treeline.core.error;

/** Another writer got there first (a concurrent Delta commit, an alias moved); a retry may succeed. Exit 3. */
public class RetryableConflictException extends TreelineException {
  public RetryableConflictException(String message, String remedy, Throwable cause) {
    super(message, remedy, cause);
  }

  @Override
  public ExitCode exitCode() {
    return ExitCode.RETRYABLE_CONFLICT;
  }
}
