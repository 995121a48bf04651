package io.treeline.core.error;

/** The user must fix something: a spec, a setting, an argument or the input data. Exit 2. */
public class InvalidInputException extends TreelineException {
  public InvalidInputException(String message, String remedy) {
    super(message, remedy, null);
  }

  public InvalidInputException(String message, String remedy, Throwable cause) {
    super(message, remedy, cause);
  }

  @Override
  public ExitCode exitCode() {
    return ExitCode.INVALID_INPUT;
  }
}
