package io.treeline.serving.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.zip.GZIPOutputStream;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.PreEncodedHttpField;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Blocker;
import org.eclipse.jetty.util.Callback;

/**
 * A request taken from Jetty before Javalin sees it ({@link DirectPredictRoute}). The answer is kept
 * until {@link #send}, so the request is recorded (metrics, access log, inference log) before its
 * bytes leave, as Javalin's {@code after} handler records a routed one.
 */
final class DirectExchange extends Exchange {
  private static final HttpField JSON = new PreEncodedHttpField(HttpHeader.CONTENT_TYPE, "application/json");
  private static final HttpField GZIP = new PreEncodedHttpField(HttpHeader.CONTENT_ENCODING, "gzip");
  /** As Javalin's default compression: gzip at level 6, from 1,500 bytes (a packet; a smaller answer gains nothing). */
  private static final int COMPRESS_FROM_BYTES = 1500;
  private static final int GZIP_LEVEL = 6;
  /** One per thread, reused: a blocker of its own per write was a lock and a condition per request. */
  private static final ThreadLocal<Blocker.Shared> WRITES = ThreadLocal.withInitial(Blocker.Shared::new);
  private final Request request;
  private final Response response;
  private int status = 200;
  private AnswerBuffer json;
  private byte[] bytes;

  DirectExchange(Request request, Response response) {
    this.request = request;
    this.response = response;
  }

  @Override
  String method() {
    return request.getMethod();
  }

  @Override
  String path() {
    return request.getHttpURI().getPath();
  }

  @Override
  String header(String name) {
    return request.getHeaders().get(name);
  }

  @Override
  String remoteAddress() {
    return Request.getRemoteAddr(request);
  }

  @Override
  long contentLength() {
    return request.getLength();
  }

  @Override
  InputStream body() {
    return Content.Source.asInputStream(request);
  }

  @Override
  void responseHeader(String name, String value) {
    response.getHeaders().put(name, value);
  }

  @Override
  int status() {
    return status;
  }

  @Override
  void answer(int status, AnswerBuffer json) {
    this.status = status;
    this.json = json;
    this.bytes = null;
  }

  @Override
  void answer(int status, byte[] json) {
    this.status = status;
    this.json = null;
    this.bytes = json;
  }

  /**
   * Writes the answer and completes the request. The write blocks: the bytes may be the thread's own
   * buffer, which its next request reuses. A client that left fails the request, as it would in Javalin.
   */
  void send(Callback callback) {
    ByteBuffer content = json != null ? json.view() : ByteBuffer.wrap(bytes == null ? new byte[0] : bytes);
    response.setStatus(status);
    // Jetty writes the Content-Length of a whole answer written at once itself.
    response.getHeaders().put(JSON);
    if (!request.consumeAvailable()) {
      // A body still on its way (a refusal before reading it): Jetty will close the connection after this answer, so the
      // answer says so, or the client would send its next request on a connection about to close and get no answer.
      response.getHeaders().put(HttpFields.CONNECTION_CLOSE);
    }
    if (content.remaining() >= COMPRESS_FROM_BYTES && acceptsGzip(request.getHeaders().get(HttpHeader.ACCEPT_ENCODING))) {
      content = gzip(content);
      response.getHeaders().put(GZIP);
    }
    try (Blocker.Callback written = WRITES.get().callback()) {
      response.write(true, content, written);
      written.block();
      callback.succeeded();
    } catch (IOException | RuntimeException e) {
      callback.failed(e);
    }
  }

  /** Whether the client takes gzip, read as Javalin reads Accept-Encoding: its comma-separated tokens, without weights. */
  static boolean acceptsGzip(String acceptEncoding) {
    if (acceptEncoding == null) {
      return false;
    }
    for (String token : acceptEncoding.split(",")) {
      if (token.trim().equalsIgnoreCase("gzip")) {
        return true;
      }
    }
    return false;
  }

  private static ByteBuffer gzip(ByteBuffer content) {
    ByteArrayOutputStream compressed = new ByteArrayOutputStream(content.remaining() / 4 + 64);
    try (GZIPOutputStream out = new GZIPOutputStream(compressed) {
      {
        def.setLevel(GZIP_LEVEL);
      }
    }) {
      out.write(content.array(), content.arrayOffset() + content.position(), content.remaining());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return ByteBuffer.wrap(compressed.toByteArray());
  }
}
