package io.treeline.serving.compile;

/**
 * A row the pipeline refuses, as Spark's transform would (an unseen category under
 * handleInvalid=error or skip, a NaN the assembler may not keep); the message names the column.
 */
public final class InvalidRowException extends RuntimeException {
  private final String column;

  public InvalidRowException(String column, String message) {
    super(message, null, false, false);
    this.column = column;
  }

  public String column() {
    return column;
  }
}
