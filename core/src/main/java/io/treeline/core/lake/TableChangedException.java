package io.treeline.core.lake;

/**
 * Another writer committed to a Delta table after this writer read it, so what it meant to write
 * may no longer hold: read the table again and retry.
 */
public final class TableChangedException extends RuntimeException {
  public TableChangedException(String location, long readVersion, Throwable cause) {
    super("the Delta table at " + location + " changed after version " + readVersion + " was read", cause);
  }
}
