package io.treeline.serving.tracing;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;

/**
 * One request's spans. The server span is passed along explicitly (not through a thread-local
 * scope), so nothing leaks between the requests a Jetty thread serves. {@link #OFF} records
 * nothing and costs a field read.
 */
public final class RequestTrace {
  public static final RequestTrace OFF = new RequestTrace(null, Span.getInvalid());

  private final Tracer tracer;
  private final Span server;

  RequestTrace(Tracer tracer, Span server) {
    this.tracer = tracer;
    this.server = server;
  }

  /** The server span; {@link Span#getInvalid()} when tracing is off. */
  public Span span() {
    return server;
  }

  /** Starts a child of the server span; a no-op span when tracing is off or the trace is not sampled. */
  public Span child(String name) {
    if (tracer == null || !server.isRecording()) {
      return Span.getInvalid();
    }
    return tracer.spanBuilder(name).setParent(Context.root().with(server)).setSpanKind(SpanKind.INTERNAL).startSpan();
  }

  /** The trace id for the access log, or null when there is none. */
  public String traceId() {
    return server.getSpanContext().isValid() ? server.getSpanContext().getTraceId() : null;
  }

  /** Names the span after the route template ({@code POST /v1/models/{name}/predict}), as HTTP semantic conventions do. */
  public void route(String method, String template) {
    if (server.isRecording()) {
      server.updateName(method + " " + template);
      server.setAttribute("http.route", template);
    }
  }

  public void model(String name, String registeredModel, long version) {
    if (server.isRecording()) {
      server.setAttribute("treeline.model", name);
      server.setAttribute("treeline.registered_model", registeredModel);
      server.setAttribute("treeline.model_version", version);
    }
  }

  /** Ends the server span with the response: 5xx is an error; a 4xx names its error code but is the caller's, not the server's, failure. */
  public void end(int status, String errorCode) {
    if (!server.isRecording()) {
      return;
    }
    server.setAttribute("http.response.status_code", status);
    if (errorCode != null) {
      server.setAttribute("error.type", errorCode);
    }
    if (status >= 500) {
      server.setStatus(StatusCode.ERROR, errorCode == null ? "status " + status : errorCode);
    }
    server.end();
  }
}
