package io.treeline.serving.http;

import io.treeline.serving.model.Route;
import io.treeline.serving.tracing.RequestTrace;
import java.io.IOException;
import java.io.InputStream;

/**
 * One request and its answer as the prediction routes see them, whichever HTTP layer carries them
 * ({@link JavalinExchange} for every route, {@link DirectExchange} for the native predict route's
 * fast path), with the request's state in plain fields: what the metrics, access log, span and
 * inference log read once it is answered.
 */
abstract class Exchange {
  final long started = System.nanoTime();
  String requestId;
  /** The metrics' and access log's route; null until a route is matched (a refused guard leaves it "unmatched"). */
  String route;
  /** The matched route's path with its parameters as names, e.g. {@code /v1/models/{name}/predict}. */
  String endpoint;
  String model;
  String version;
  String arm;
  String error;
  RequestTrace trace = RequestTrace.OFF;
  /** The model route whose arm answered, for its shadows. */
  Route modelRoute;
  /** Set when the answer is to be offered to the inference log or the shadows. */
  Scoring.Scored scored;

  abstract String method();

  /** The request's path as sent, without the query. */
  abstract String path();

  abstract String header(String name);

  abstract String remoteAddress();

  /** The declared body length; -1 when not declared. */
  abstract long contentLength();

  abstract InputStream body() throws IOException;

  abstract void responseHeader(String name, String value);

  /** The answer's status as it stands. */
  abstract int status();

  /** Answers {@code json}; the caller may reuse it once the request is over (the answer is written by then). */
  abstract void answer(int status, AnswerBuffer json);

  abstract void answer(int status, byte[] json);
}
