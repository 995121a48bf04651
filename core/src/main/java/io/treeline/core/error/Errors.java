package io.treeline.core.error;

/**
 * Builds every Treeline error message in one place, so they all read {@code Cannot <verb> <thing>:
 * <reason>} followed by what to do.
 */
public final class Errors {
  private Errors() {}

  public static String cannot(String verb, String thing, String reason) {
    return "Cannot " + verb + " " + thing + ": " + reason;
  }

  public static InvalidInputException invalidInput(
      String verb, String thing, String reason, String remedy) {
    return new InvalidInputException(cannot(verb, thing, reason), remedy);
  }

  public static InvalidInputException invalidInput(
      String verb, String thing, String reason, String remedy, Throwable cause) {
    return new InvalidInputException(cannot(verb, thing, reason), remedy, cause);
  }

  public static JobFailedException jobFailed(
      String verb, String thing, String reason, String remedy, Throwable cause) {
    return new JobFailedException(cannot(verb, thing, reason), remedy, cause);
  }

  public static RetryableConflictException conflict(
      String verb, String thing, String reason, Throwable cause) {
    return new RetryableConflictException(
        cannot(verb, thing, reason), "Another writer changed it at the same time; run the command again.", cause);
  }
}
