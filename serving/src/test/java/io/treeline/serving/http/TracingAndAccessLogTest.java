package io.treeline.serving.http;

import static io.treeline.serving.http.TestClient.record;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.trace.v1.Span.SpanKind;
import io.opentelemetry.proto.trace.v1.Status.StatusCode;
import io.treeline.core.config.ConfigLoader;
import io.treeline.core.config.TreelineConfig;
import io.treeline.core.error.InvalidInputException;
import io.treeline.serving.ServingApp;
import io.treeline.serving.http.OtlpReceiver.ReceivedSpan;
import io.treeline.serving.tracing.TracingSettings;
import java.time.LocalDateTime;
import java.util.List;
import java.util.Map;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Serving's spans, exported over real OTLP/HTTP to a loopback receiver, and its access log. */
class TracingAndAccessLogTest {
  private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String PARENT_SPAN_ID = "00f067aa0ba902b7";
  private static final String TRACEPARENT = "00-" + TRACE_ID + "-" + PARENT_SPAN_ID + "-01";

  private static ServingFixture fixture;
  private static Map<String, Object> known;
  private static final Map<String, Object> UNKNOWN =
      record("origin", "ZZZ", "destination", "YYY", "distance", 300.0, "departure", "2001-06-15T08:30:00");

  @BeforeAll
  static void lake() {
    fixture = ServingFixture.get();
    Row row = fixture.rows.where("origin_delays__avg_delay_24h IS NOT NULL").first();
    known = record("origin", row.getAs("origin"), "destination", row.getAs("destination"), "distance", row.getAs("distance"),
        "departure", ((LocalDateTime) row.getAs("departure_time")).toString());
  }

  @Test
  void a_prediction_exports_a_server_span_with_feature_lookup_and_predict_children_in_the_callers_trace() throws Exception {
    try (OtlpReceiver receiver = OtlpReceiver.start(); LogCapture access = LogCapture.of(AccessEvent.LOGGER)) {
      TracingSettings tracing = new TracingSettings(receiver.url(), 1.0, "treeline-test", Map.of("deployment.environment", "test"));
      ServingApp app = fixture.serve(ServingFixture.options().withTracing(tracing), "delay@champion");
      TestClient.Answer answer;
      try {
        TestClient client = new TestClient(app.baseUrl());
        answer = client.postJson("/v1/models/delay/predict", Map.of("records", List.of(known, UNKNOWN)), "traceparent", TRACEPARENT);
        assertThat(answer.status()).isEqualTo(200);
        assertThat(client.postJson("/v1/models/delay/predict", Map.of("rows", List.of())).status()).isEqualTo(400);
      } finally {
        app.close(); // flushes the batch of spans
      }

      List<ReceivedSpan> spans = receiver.spans();
      ReceivedSpan server = spans.stream().filter(s -> s.traceId().equals(TRACE_ID)).filter(s -> s.span().getKind() == SpanKind.SPAN_KIND_SERVER)
          .findFirst().orElseThrow(() -> new AssertionError("no server span in the caller's trace: " + spans));
      assertThat(server.name()).isEqualTo("POST /v1/models/{name}/predict");
      assertThat(server.parentSpanId()).isEqualTo(PARENT_SPAN_ID);
      Map<String, AnyValue> attributes = server.attributes();
      assertThat(attributes.get("http.request.method").getStringValue()).isEqualTo("POST");
      assertThat(attributes.get("http.route").getStringValue()).isEqualTo("/v1/models/{name}/predict");
      assertThat(attributes.get("url.path").getStringValue()).isEqualTo("/v1/models/delay/predict");
      assertThat(attributes.get("http.response.status_code").getIntValue()).isEqualTo(200);
      assertThat(attributes.get("treeline.model").getStringValue()).isEqualTo("delay");
      assertThat(attributes.get("treeline.model_version").getIntValue()).isEqualTo(1);
      assertThat(server.span().getStatus().getCode()).isEqualTo(StatusCode.STATUS_CODE_UNSET);
      assertThat(server.resource().get("service.name").getStringValue()).isEqualTo("treeline-test");
      assertThat(server.resource().get("service.version").getStringValue()).isEqualTo("test");
      assertThat(server.resource().get("deployment.environment").getStringValue()).isEqualTo("test");

      ReceivedSpan lookup = child(spans, server, "feature lookup");
      Map<String, AnyValue> found = lookup.attributes();
      List<String> views = found.get("treeline.feature_views").getArrayValue().getValuesList().stream().map(AnyValue::getStringValue).toList();
      assertThat(views).contains("origin_delays", "route_delays");
      long entities = found.get("treeline.entities").getIntValue();
      assertThat(entities).isEqualTo(2L * views.size());
      assertThat(found.get("treeline.hits").getIntValue()).isPositive();
      assertThat(found.get("treeline.misses").getIntValue()).as("ZZZ is in no view").isGreaterThanOrEqualTo(views.size());
      assertThat(found.get("treeline.hits").getIntValue() + found.get("treeline.misses").getIntValue()).isEqualTo(entities);
      assertThat(found.get("treeline.online_store").getStringValue()).isEqualTo("embedded");
      ReceivedSpan predict = child(spans, server, "predict");
      assertThat(predict.attributes().get("treeline.rows").getIntValue()).isEqualTo(2);
      assertThat(lookup.span().getEndTimeUnixNano()).isLessThanOrEqualTo(predict.span().getStartTimeUnixNano());

      ReceivedSpan refused = spans.stream().filter(s -> !s.traceId().equals(TRACE_ID)).filter(s -> s.span().getKind() == SpanKind.SPAN_KIND_SERVER)
          .findFirst().orElseThrow();
      assertThat(refused.parentSpanId()).as("a request without traceparent starts a trace").isEmpty();
      assertThat(refused.attributes().get("http.response.status_code").getIntValue()).isEqualTo(400);
      assertThat(refused.attributes().get("error.type").getStringValue()).isEqualTo("INVALID_PARAMETER_VALUE");

      LogEvent event = access.events().stream().filter(e -> ((AccessEvent) e.getMessage()).getData().get("status").equals(200)).findFirst().orElseThrow();
      assertThat(((AccessEvent) event.getMessage()).getData()).containsEntry("trace_id", TRACE_ID)
          .containsEntry("request_id", answer.raw().headers().firstValue("X-Request-Id").orElseThrow());
    }
  }

  private static ReceivedSpan child(List<ReceivedSpan> spans, ReceivedSpan parent, String name) {
    return spans.stream().filter(s -> s.name().equals(name) && s.parentSpanId().equals(parent.spanId()) && s.traceId().equals(parent.traceId()))
        .findFirst().orElseThrow(() -> new AssertionError("no '" + name + "' child of " + parent.name() + " in " + spans.stream().map(ReceivedSpan::name).toList()));
  }

  @Test
  void tracing_is_off_by_default_and_a_server_without_it_exports_nothing_and_logs_no_trace_id() throws Exception {
    assertThat(ServingConfig.options(TreelineConfig.defaults()).tracing()).isEqualTo(TracingSettings.OFF);
    try (OtlpReceiver receiver = OtlpReceiver.start(); LogCapture access = LogCapture.of(AccessEvent.LOGGER)) {
      ServingApp app = fixture.serve(ServingFixture.options(), "delay@champion");
      try {
        TestClient.Answer answer = new TestClient(app.baseUrl())
            .postJson("/v1/models/delay/predict", Map.of("records", List.of(known)), "traceparent", TRACEPARENT);
        assertThat(answer.status()).isEqualTo(200);
      } finally {
        app.close();
      }
      assertThat(receiver.exports()).isZero();
      Map<String, Object> fields = ((AccessEvent) access.events().get(0).getMessage()).getData();
      assertThat(fields).doesNotContainKey("trace_id");
    }
  }

  @Test
  void a_sample_ratio_of_zero_records_no_new_trace_but_follows_a_sampled_caller() throws Exception {
    try (OtlpReceiver receiver = OtlpReceiver.start()) {
      ServingApp app = fixture.serve(ServingFixture.options().withTracing(new TracingSettings(receiver.url(), 0.0, "treeline-test", Map.of())),
          "delay@champion");
      try {
        TestClient client = new TestClient(app.baseUrl());
        assertThat(client.postJson("/v1/models/delay/predict", Map.of("records", List.of(known))).status()).isEqualTo(200);
        assertThat(client.postJson("/v1/models/delay/predict", Map.of("records", List.of(known)), "traceparent", TRACEPARENT).status())
            .isEqualTo(200);
      } finally {
        app.close();
      }
      assertThat(receiver.spans()).isNotEmpty().allMatch(s -> s.traceId().equals(TRACE_ID));
    }
  }

  @Test
  void every_request_gets_an_access_log_event_and_its_request_id_back() {
    try (LogCapture access = LogCapture.of(AccessEvent.LOGGER)) {
      ServingApp app = fixture.serve(ServingFixture.options(), "delay@champion");
      TestClient.Answer given;
      TestClient.Answer generated;
      TestClient.Answer refused;
      try {
        TestClient client = new TestClient(app.baseUrl());
        given = client.postJson("/v1/models/delay/predict", Map.of("records", List.of(known)), "X-Request-Id", "order-42-attempt-1");
        generated = client.get("/health");
        refused = client.postJson("/v1/models/nope/predict", Map.of("records", List.of(known)), "X-Request-Id", "has space");
      } finally {
        app.close();
      }
      assertThat(given.raw().headers().firstValue("X-Request-Id")).contains("order-42-attempt-1");
      assertThat(generated.raw().headers().firstValue("X-Request-Id").orElseThrow()).matches("[0-9a-f]{32}");
      assertThat(refused.raw().headers().firstValue("X-Request-Id").orElseThrow()).as("an unsafe id is replaced").matches("[0-9a-f]{32}");

      List<LogEvent> events = access.events();
      assertThat(events).hasSize(3);
      Map<String, Object> prediction = ((AccessEvent) events.get(0).getMessage()).getData();
      assertThat(prediction).containsEntry("request_id", "order-42-attempt-1").containsEntry("method", "POST")
          .containsEntry("path", "/v1/models/delay/predict").containsEntry("route", "v1_predict").containsEntry("model", "delay")
          .containsEntry("version", "1").containsEntry("status", 200);
      assertThat((Double) prediction.get("latency_ms")).isPositive();
      assertThat(events.get(0).getLoggerName()).isEqualTo("treeline.access");
      assertThat(events.get(0).getMessage().getFormattedMessage())
          .matches("POST /v1/models/delay/predict 200 [0-9.]+ ms model=delay version=1 request_id=order-42-attempt-1");

      Map<String, Object> health = ((AccessEvent) events.get(1).getMessage()).getData();
      assertThat(health).containsEntry("path", "/health").containsEntry("status", 200).doesNotContainKey("model")
          .containsEntry("request_id", generated.raw().headers().firstValue("X-Request-Id").orElseThrow());
      Map<String, Object> notFound = ((AccessEvent) events.get(2).getMessage()).getData();
      assertThat(notFound).containsEntry("status", 404).containsEntry("error_code", "RESOURCE_DOES_NOT_EXIST");
    }
  }

  @Test
  void the_access_log_can_be_turned_off() {
    try (LogCapture access = LogCapture.of(AccessEvent.LOGGER)) {
      ServingApp app = fixture.serve(ServingFixture.options().withAccessLog(false), "delay@champion");
      try {
        assertThat(new TestClient(app.baseUrl()).get("/health").status()).isEqualTo(200);
      } finally {
        app.close();
      }
      assertThat(access.events()).isEmpty();
    }
  }

  @Test
  void tracing_settings_are_read_and_bad_ones_name_the_key() {
    TreelineConfig on = ConfigLoader.builder().environment(Map.of()).overrides(List.of(
        "serving.tracing.otlp-endpoint=http://collector:4318/v1/traces", "serving.tracing.sample-ratio=0.25",
        "serving.tracing.service-name=scoring", "serving.tracing.resource-attributes=deployment.environment=prod, team=ml")).load();
    assertThat(ServingConfig.tracing(on))
        .isEqualTo(new TracingSettings("http://collector:4318/v1/traces", 0.25, "scoring", Map.of("deployment.environment", "prod", "team", "ml")));

    assertThatThrownBy(() -> ServingConfig.tracing(config("serving.tracing.otlp-endpoint=collector:4318")))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("Cannot start tracing: serving.tracing.otlp-endpoint is 'collector:4318', not an http(s) URL");
    assertThatThrownBy(() -> ServingConfig.tracing(config("serving.tracing.otlp-endpoint=http://c:4318/v1/traces", "serving.tracing.sample-ratio=1.5")))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("serving.tracing.sample-ratio is '1.5'");
    assertThatThrownBy(() -> ServingConfig.tracing(config("serving.tracing.otlp-endpoint=http://c:4318/v1/traces",
        "serving.tracing.resource-attributes=team")))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("serving.tracing.resource-attributes has 'team', not key=value");
  }

  private static TreelineConfig config(String... overrides) {
    return ConfigLoader.builder().environment(Map.of()).overrides(List.of(overrides)).load();
  }
}
