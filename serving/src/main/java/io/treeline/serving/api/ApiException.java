package io.treeline.serving.api;

/**
 * A request the server refuses, with the HTTP status and an MLflow-style error code; one exception
 * mapper turns it into {@code {"error_code": ..., "message": ...}}. The message names the field or
 * header at fault and what to send instead; it never carries a stack trace or a secret.
 */
public final class ApiException extends RuntimeException {
  private final int status;
  private final String errorCode;

  private ApiException(int status, String errorCode, String message) {
    super(message, null, false, false);
    this.status = status;
    this.errorCode = errorCode;
  }

  public static ApiException invalidField(String message) {
    return new ApiException(400, "INVALID_PARAMETER_VALUE", message);
  }

  public static ApiException malformed(String message) {
    return new ApiException(400, "MALFORMED_REQUEST", message);
  }

  public static ApiException unauthenticated(String message) {
    return new ApiException(401, "UNAUTHENTICATED", message);
  }

  public static ApiException notFound(String message) {
    return new ApiException(404, "RESOURCE_DOES_NOT_EXIST", message);
  }

  public static ApiException methodNotAllowed(String message) {
    return new ApiException(405, "METHOD_NOT_ALLOWED", message);
  }

  public static ApiException tooLarge(String message) {
    return new ApiException(413, "REQUEST_LIMIT_EXCEEDED", message);
  }

  public static ApiException unsupportedMediaType(String message) {
    return new ApiException(415, "UNSUPPORTED_MEDIA_TYPE", message);
  }

  public static ApiException rateLimited(String message) {
    return new ApiException(429, "REQUEST_LIMIT_EXCEEDED", message);
  }

  public static ApiException unavailable(String message) {
    return new ApiException(503, "TEMPORARILY_UNAVAILABLE", message);
  }

  public int status() {
    return status;
  }

  public String errorCode() {
    return errorCode;
  }
}
