package io.treeline.serving.http;

import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * A trace collector on loopback: accepts OTLP/HTTP exports at /v1/traces and decodes the protobuf
 * body with the protocol's own classes, so what the tests see is what went over the wire.
 */
final class OtlpReceiver implements AutoCloseable {
  /** One received span with its resource's attributes; ids in lower-case hex as in a traceparent. */
  record ReceivedSpan(Span span, Map<String, AnyValue> resource) {
    String name() {
      return span.getName();
    }

    String traceId() {
      return HexFormat.of().formatHex(span.getTraceId().toByteArray());
    }

    String spanId() {
      return HexFormat.of().formatHex(span.getSpanId().toByteArray());
    }

    String parentSpanId() {
      return HexFormat.of().formatHex(span.getParentSpanId().toByteArray());
    }

    Map<String, AnyValue> attributes() {
      return toMap(span.getAttributesList());
    }
  }

  private final HttpServer server;
  private final List<ReceivedSpan> spans = new CopyOnWriteArrayList<>();
  private final AtomicInteger exports = new AtomicInteger();
  private final List<Throwable> errors = new CopyOnWriteArrayList<>();

  private OtlpReceiver(HttpServer server) {
    this.server = server;
  }

  static OtlpReceiver start() throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    OtlpReceiver receiver = new OtlpReceiver(server);
    server.createContext("/v1/traces", exchange -> {
      try (InputStream body = exchange.getRequestBody()) {
        if (!"application/x-protobuf".equals(exchange.getRequestHeaders().getFirst("Content-Type"))) {
          exchange.sendResponseHeaders(415, -1);
          return;
        }
        receiver.receive(ExportTraceServiceRequest.parseFrom(body.readAllBytes()));
        byte[] answer = ExportTraceServiceResponse.getDefaultInstance().toByteArray();
        exchange.getResponseHeaders().set("Content-Type", "application/x-protobuf");
        exchange.sendResponseHeaders(200, answer.length == 0 ? -1 : answer.length);
        if (answer.length > 0) {
          exchange.getResponseBody().write(answer);
        }
      } catch (RuntimeException | Error e) { // the JDK server would drop the connection without a word
        receiver.errors.add(e);
        exchange.sendResponseHeaders(500, -1);
      } finally {
        exchange.close();
      }
    });
    server.start();
    return receiver;
  }

  private void receive(ExportTraceServiceRequest request) {
    exports.incrementAndGet();
    for (ResourceSpans resourceSpans : request.getResourceSpansList()) {
      Map<String, AnyValue> resource = toMap(resourceSpans.getResource().getAttributesList());
      for (ScopeSpans scope : resourceSpans.getScopeSpansList()) {
        scope.getSpansList().forEach(span -> spans.add(new ReceivedSpan(span, resource)));
      }
    }
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1/traces";
  }

  /** The spans received; fails when an export could not be decoded. */
  List<ReceivedSpan> spans() {
    if (!errors.isEmpty()) {
      throw new AssertionError("an OTLP export could not be decoded", errors.get(0));
    }
    return new ArrayList<>(spans);
  }

  int exports() {
    return exports.get();
  }

  private static Map<String, AnyValue> toMap(List<KeyValue> attributes) {
    return attributes.stream().collect(Collectors.toMap(KeyValue::getKey, KeyValue::getValue, (a, b) -> b));
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
