package io.treeline.serving.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.treeline.serving.api.Quoted;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;
import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Jetty's own refusals (a request it cannot parse, a URL or headers over the limit, a bad path
 * encoding) answered as the API answers: JSON with {@code error_code} and {@code message}. Installed
 * on the server and the servlet context, so no layer falls back to Jetty's HTML page. Garbage on the
 * wire is the client's error: what Jetty would answer with 505 or 501 becomes a 400.
 */
final class HttpRefusals extends ErrorHandler {
  private static final HttpField JSON_TYPE = new HttpField(HttpHeader.CONTENT_TYPE, "application/json");
  /** Jetty's reasons are short phrases ("Invalid Content-Length Value"); anything else may carry internals. */
  private static final Pattern PLAIN_REASON = Pattern.compile("[A-Za-z0-9 ,:;'=()/-]{1,80}");

  private final int maxRequestHeaderBytes;

  HttpRefusals(int maxRequestHeaderBytes) {
    this.maxRequestHeaderBytes = maxRequestHeaderBytes;
    setShowStacks(false);
    setShowCauses(false);
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    int status = response.getStatus();
    String reason = null;
    if (request.getAttribute(ERROR_EXCEPTION) instanceof HttpException http) {
      status = http.getCode();
      reason = http.getReason();
    } else if (request.getAttribute(ERROR_MESSAGE) instanceof String message) {
      reason = message;
    }
    Refusal refusal = refusal(status, reason);
    String path = request.getHttpURI() == null ? null : request.getHttpURI().getPath();
    boolean openInference = path != null && (path.equals("/v2") || path.startsWith("/v2/"));
    response.setStatus(refusal.status());
    response.getHeaders().put(JSON_TYPE);
    response.write(true, ByteBuffer.wrap(refusal.json(openInference)), callback);
    return true;
  }

  /** Used where Jetty answers a request it could not even parse into one. */
  @Override
  public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
    fields.put(JSON_TYPE);
    return ByteBuffer.wrap(refusal(status, reason).json(false));
  }

  record Refusal(int status, String errorCode, String message) {
    /** With {@code openInference}, also the protocol's {@code "error"}, which Triton's and KServe's clients decode. */
    byte[] json(boolean openInference) {
      Map<String, String> body = new LinkedHashMap<>();
      body.put("error_code", errorCode);
      body.put("message", message);
      if (openInference) {
        body.put("error", message);
      }
      try {
        return Bodies.JSON.writeValueAsBytes(body);
      } catch (JsonProcessingException e) {
        throw new IllegalStateException("cannot write a refusal", e);
      }
    }
  }

  Refusal refusal(int status, String reason) {
    String why = reason != null && PLAIN_REASON.matcher(reason).matches() && !reason.contains("Exception") ? " (" + Quoted.cut(reason) + ")" : "";
    return switch (status) {
      case 404 -> new Refusal(404, "RESOURCE_DOES_NOT_EXIST", "no such route; GET /openapi.json lists them");
      case 405 -> new Refusal(405, "METHOD_NOT_ALLOWED", "the method is not allowed here; GET /openapi.json lists the routes");
      case 408 -> new Refusal(408, "REQUEST_TIMEOUT", "the request was not sent in time: send it whole, without pauses");
      case 413 -> new Refusal(413, "REQUEST_LIMIT_EXCEEDED", "the body is over the server's limit: send fewer records per request");
      case 414 -> new Refusal(414, "REQUEST_LIMIT_EXCEEDED", "the URL is over the limit of " + maxRequestHeaderBytes
          + " bytes for the request line and headers: send the records in the body of a POST");
      case 431 -> new Refusal(431, "REQUEST_LIMIT_EXCEEDED", "the request headers are over the limit of " + maxRequestHeaderBytes
          + " bytes: send fewer or shorter headers (serving.max-request-header-bytes raises the limit)");
      case 415 -> new Refusal(415, "UNSUPPORTED_MEDIA_TYPE", "the body's content type or encoding is not accepted: send JSON");
      case 500 -> new Refusal(500, "INTERNAL_ERROR", "the server failed to answer; its log has the details");
      case 503 -> new Refusal(503, "TEMPORARILY_UNAVAILABLE", "the server cannot answer right now: retry shortly");
      case 505 -> new Refusal(400, "MALFORMED_REQUEST", "the request line is not 'METHOD /path HTTP/1.1'" + why
          + ": this server speaks HTTP/1.1 (and HTTP/1.0)");
      default -> new Refusal(400, "MALFORMED_REQUEST", "the request is not valid HTTP/1.1" + why
          + ": check the request line, the headers (a Host header, one Content-Length or chunked encoding, no control characters)"
          + " and the path's percent-encoding");
    };
  }
}
