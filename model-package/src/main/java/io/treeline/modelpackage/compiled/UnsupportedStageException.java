package io.treeline.modelpackage.compiled;

/** A pipeline stage (or a setting of one) that the compiler cannot turn into plain Java. */
public final class UnsupportedStageException extends RuntimeException {
  public UnsupportedStageException(String message) {
    super(message);
  }
}
