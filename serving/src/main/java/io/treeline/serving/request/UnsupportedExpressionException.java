package io.treeline.serving.request;

/** A request feature's expression that serving cannot compute; refused when the model loads. */
public final class UnsupportedExpressionException extends RuntimeException {
  public UnsupportedExpressionException(String sql, String reason) {
    super("Cannot serve the request feature expression '" + sql + "': " + reason + ".");
  }
}
