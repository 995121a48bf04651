package io.treeline.registry.mlflow;

/** A 4xx answer of the tracking server, with MLflow's error code (RESOURCE_DOES_NOT_EXIST, …). */
final class MlflowApiException extends RuntimeException {
  private final int status;
  private final String errorCode;

  MlflowApiException(int status, String errorCode, String message) {
    super(message, null, false, false);
    this.status = status;
    this.errorCode = errorCode;
  }

  int status() {
    return status;
  }

  String errorCode() {
    return errorCode;
  }

  boolean notFound() {
    return status == 404 || "RESOURCE_DOES_NOT_EXIST".equals(errorCode);
  }

  boolean alreadyExists() {
    return "RESOURCE_ALREADY_EXISTS".equals(errorCode);
  }
}
