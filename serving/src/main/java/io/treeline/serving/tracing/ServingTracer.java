package io.treeline.serving.tracing;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Serving's spans: one server span per request (continuing the caller's W3C traceparent), with
 * children for the feature lookup and the prediction. Off, it hands out {@link RequestTrace#OFF} and
 * nothing of the SDK exists; on, spans are batched and exported over OTLP/HTTP (protobuf).
 */
public final class ServingTracer implements AutoCloseable {
  private static final String SCOPE = "io.treeline.serving";

  private final OpenTelemetrySdk sdk;
  private final Tracer tracer;

  private ServingTracer(OpenTelemetrySdk sdk) {
    this.sdk = sdk;
    this.tracer = sdk == null ? null : sdk.getTracer(SCOPE);
  }

  public static ServingTracer off() {
    return new ServingTracer(null);
  }

  /** Builds the SDK when {@code settings} name an endpoint; {@code version} is the service.version. */
  public static ServingTracer start(TracingSettings settings, String version) {
    if (!settings.enabled()) {
      return off();
    }
    AttributesBuilder resource = Attributes.builder()
        .put(AttributeKey.stringKey("service.name"), settings.serviceName())
        .put(AttributeKey.stringKey("service.version"), version);
    settings.resourceAttributes().forEach((key, value) -> resource.put(AttributeKey.stringKey(key), value));
    OtlpHttpSpanExporter exporter = OtlpHttpSpanExporter.builder().setEndpoint(settings.otlpEndpoint()).build();
    SdkTracerProvider provider = SdkTracerProvider.builder()
        .setResource(Resource.getDefault().merge(Resource.create(resource.build())))
        .setSampler(Sampler.parentBased(Sampler.traceIdRatioBased(settings.sampleRatio())))
        .addSpanProcessor(BatchSpanProcessor.builder(exporter).build())
        .build();
    // Not registered globally: the server's spans are its own, and a test JVM may start many servers.
    return new ServingTracer(OpenTelemetrySdk.builder().setTracerProvider(provider).build());
  }

  public boolean enabled() {
    return sdk != null;
  }

  /**
   * Starts the server span of a request, as a child of the caller's traceparent when it sends one.
   *
   * @param header reads a request header by name (null when absent)
   */
  public RequestTrace request(String method, String path, Function<String, String> header) {
    if (sdk == null) {
      return RequestTrace.OFF;
    }
    Context parent = W3CTraceContextPropagator.getInstance().extract(Context.root(), header, HEADERS);
    Span span = tracer.spanBuilder(method)
        .setParent(parent)
        .setSpanKind(SpanKind.SERVER)
        .setAttribute("http.request.method", method)
        .setAttribute("url.path", path)
        .startSpan();
    return new RequestTrace(tracer, span);
  }

  /** Exports what is buffered and stops the exporter. */
  @Override
  public void close() {
    if (sdk != null) {
      sdk.getSdkTracerProvider().shutdown().join(10, TimeUnit.SECONDS);
    }
  }

  private static final TextMapGetter<Function<String, String>> HEADERS = new TextMapGetter<>() {
    @Override
    public Iterable<String> keys(Function<String, String> carrier) {
      return List.of(); // the W3C propagator asks for its two headers by name
    }

    @Override
    public String get(Function<String, String> carrier, String key) {
      return carrier == null ? null : carrier.apply(key);
    }
  };
}
