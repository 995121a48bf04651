package io.treeline.core.error;

/**
 * The root of Treeline's errors. The message reads {@code Cannot <verb> <thing>: <reason>}; the
 * remedy says what to do next. Subclasses decide the exit code, so a caller can tell "fix your
 * input" from "retry" from "the job failed".
 */
public abstract class TreelineException extends RuntimeException {
  private final String remedy;

  protected TreelineException(String message, String remedy, Throwable cause) {
    super(message, cause);
    this.remedy = remedy == null ? "" : remedy;
  }

  public abstract ExitCode exitCode();

  /** What the user should do about it; empty when there is nothing useful to say. */
  public String remedy() {
    return remedy;
  }

  /** The message followed by the remedy, as printed on the command line. */
  public String describe() {
    return remedy.isEmpty() ? getMessage() : getMessage() + "\n" + remedy;
  }
}
