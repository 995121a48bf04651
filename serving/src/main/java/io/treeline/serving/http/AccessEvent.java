package io.treeline.serving.http;

import org.apache.logging.log4j.message.MapMessage;

/**
 * One answered request, logged to {@code treeline.access}. Its fields become top-level JSON fields
 * with --log-format json (numbers stay numbers); the text format shows {@link #formatTo} as the
 * message: {@code POST /v1/models/flight-delay/predict 200 1.42 ms model=flight-delay version=3 request_id=…}.
 */
public final class AccessEvent extends MapMessage<AccessEvent, Object> {
  public static final String LOGGER = "treeline.access";

  private final String requestId;
  private final String method;
  private final String path;
  private final String model;
  private final String version;
  private final int status;
  private final double latencyMs;
  private final String errorCode;
  private final String traceId;

  public AccessEvent(String requestId, String method, String path, String route, String model, String version, int status,
      double latencyMs, String errorCode, String traceId) {
    // Sized for its fields: log4j's map starts at four and grows by copying, which was a tenth of what a prediction allocated.
    super(6 + (model.isEmpty() ? 0 : 2) + (errorCode == null ? 0 : 1) + (traceId == null ? 0 : 1));
    this.requestId = requestId;
    this.method = method;
    this.path = path;
    this.model = model;
    this.version = version;
    this.status = status;
    this.latencyMs = latencyMs;
    this.errorCode = errorCode;
    this.traceId = traceId;
    with("request_id", requestId);
    with("method", method);
    with("path", path);
    with("route", route);
    if (!model.isEmpty()) {
      with("model", model);
      with("version", version);
    }
    with("status", status);
    with("latency_ms", latencyMs);
    if (errorCode != null) {
      with("error_code", errorCode);
    }
    if (traceId != null) {
      with("trace_id", traceId);
    }
  }

  /** As %.2f writes a latency already rounded to hundredths, without a Formatter per request. */
  static StringBuilder hundredths(StringBuilder text, long hundredths) {
    long fraction = hundredths % 100;
    return text.append(hundredths / 100).append('.').append(fraction < 10 ? "0" : "").append(fraction);
  }

  @Override
  public String getFormattedMessage() {
    StringBuilder line = new StringBuilder(192);
    formatTo(line);
    return line.toString();
  }

  /** The text line, written when the event is logged (on the access log's thread, into log4j's reused buffer), not when it is made. */
  @Override
  public void formatTo(StringBuilder text) {
    text.append(method).append(' ').append(path).append(' ').append(status).append(' ');
    hundredths(text, Math.round(latencyMs * 100)).append(" ms");
    if (!model.isEmpty()) {
      text.append(" model=").append(model).append(" version=").append(version);
    }
    if (errorCode != null) {
      text.append(" error_code=").append(errorCode);
    }
    text.append(" request_id=").append(requestId);
    if (traceId != null) {
      text.append(" trace_id=").append(traceId);
    }
  }

  @Override
  public String getFormat() {
    return "";
  }
}
