package io.treeline.serving.http;

import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** A request Javalin routes: its context, with the request's state kept on it as one attribute. */
final class JavalinExchange extends Exchange {
  private static final String ATTRIBUTE = "treeline.exchange";
  /**
   * A body that fits Jetty's aggregation buffer (8 KB) is written straight to the response, where it
   * waits for the answer to complete, so the write does no I/O; Javalin would copy it through a fresh
   * 32 KB array. A bigger one goes the usual way, where a client that left fails outside the handler.
   */
  private static final int DIRECT_WRITE_BYTES = 4 << 10;

  private final Context ctx;

  private JavalinExchange(Context ctx) {
    this.ctx = ctx;
  }

  /** The exchange of {@code ctx}, made by the first handler that asks. */
  static JavalinExchange of(Context ctx) {
    JavalinExchange exchange = ctx.attribute(ATTRIBUTE);
    if (exchange == null) {
      exchange = new JavalinExchange(ctx);
      ctx.attribute(ATTRIBUTE, exchange);
    }
    return exchange;
  }

  @Override
  String method() {
    return ctx.method().name();
  }

  @Override
  String path() {
    return ctx.path();
  }

  @Override
  String header(String name) {
    return ctx.header(name);
  }

  @Override
  String remoteAddress() {
    return ctx.ip();
  }

  @Override
  long contentLength() {
    return ctx.contentLength();
  }

  @Override
  InputStream body() {
    return ctx.bodyInputStream();
  }

  @Override
  void responseHeader(String name, String value) {
    ctx.header(name, value);
  }

  @Override
  int status() {
    return ctx.statusCode();
  }

  @Override
  void answer(int status, AnswerBuffer json) {
    ctx.status(status).contentType("application/json");
    if (json.size() > DIRECT_WRITE_BYTES) {
      ctx.result(json.toByteArray());
      return;
    }
    try {
      json.writeTo(ctx.outputStream());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  void answer(int status, byte[] json) {
    ctx.status(status).contentType("application/json").result(json);
  }
}
