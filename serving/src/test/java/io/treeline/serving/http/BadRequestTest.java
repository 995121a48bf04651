package io.treeline.serving.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.treeline.serving.ServingApp;
import java.net.URI;
import java.net.http.HttpRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A catalogue of bad requests: each gets its 4xx status, a JSON error with an error code and a
 * message naming what is wrong, and never a 5xx or a stack trace.
 */
class BadRequestTest {
  private static final String GOOD = "{\"origin\":\"SFO\",\"destination\":\"LAX\",\"departure\":\"2001-06-15T08:30:00\",\"distance\":337}";
  /** "S", then the overlong two-byte form of "/", then "O": bytes as ISO-8859-1 characters. */
  private static final String OVERLONG = "{\"records\":[" + GOOD.replace("\"SFO\"", "\"S\u00c0\u00afO\"") + "]}";
  private static ServingApp app;
  private static TestClient client;

  /** One bad request: how to send it and what the answer must say. */
  record Case(String name, String method, String path, String contentType, String body, int status, String errorCode, String mentions) {
    @Override
    public String toString() {
      return name;
    }
  }

  @BeforeAll
  static void serve() {
    app = ServingFixture.get().serve(ServingFixture.options().withLimits(10, 16_384), "delay@champion");
    client = new TestClient(app.baseUrl());
  }

  @AfterAll
  static void stop() {
    app.close();
  }

  private static Case v1(String name, String body, int status, String code, String mentions) {
    return new Case(name, "POST", "/v1/models/delay/predict", "application/json", body, status, code, mentions);
  }

  private static Case record(String name, String record, String mentions) {
    return v1(name, "{\"records\":[" + record + "]}", 400, "INVALID_PARAMETER_VALUE", mentions);
  }

  private static String with(String field, String json) {
    return GOOD.replace("}", ",\"" + field + "\":" + json + "}");
  }

  private static String without(String field) {
    return GOOD.replaceAll("\"" + field + "\":(\"[^\"]*\"|[0-9]+),?", "").replace(",}", "}");
  }

  private static String replace(String field, String json) {
    return without(field).replace("}", ",\"" + field + "\":" + json + "}");
  }

  private static Case invocations(String name, String contentType, String body, int status, String code, String mentions) {
    return new Case(name, "POST", "/invocations", contentType, body, status, code, mentions);
  }

  private static Case infer(String name, String inputs, String mentions) {
    return new Case(name, "POST", "/v2/models/delay/infer", "application/json", "{\"inputs\":" + inputs + "}", 400, "INVALID_PARAMETER_VALUE", mentions);
  }

  static Stream<Case> catalogue() {
    String tooMany = "{\"records\":[" + String.join(",", java.util.Collections.nCopies(11, GOOD)) + "]}";
    String tooBig = "{\"records\":[" + GOOD.replace("\"SFO\"", "\"" + "S".repeat(20_000) + "\"") + "]}";
    String origin = "{\"name\":\"origin\",\"shape\":[1],\"datatype\":\"BYTES\",\"data\":[\"SFO\"]}";
    List<Case> cases = new ArrayList<>(List.of(
        new Case("no content type", "POST", "/v1/models/delay/predict", null, "{\"records\":[" + GOOD + "]}", 415, "UNSUPPORTED_MEDIA_TYPE", "Content-Type is missing"),
        new Case("a real form body", "POST", "/v1/models/delay/predict", "application/x-www-form-urlencoded", "origin=SFO&destination=LAX", 415,
            "UNSUPPORTED_MEDIA_TYPE", "'application/x-www-form-urlencoded'"),
        new Case("text/plain body", "POST", "/v1/models/delay/predict", "text/plain", "{\"records\":[" + GOOD + "]}", 415, "UNSUPPORTED_MEDIA_TYPE", "'text/plain'"),
        v1("empty body", "", 400, "MALFORMED_REQUEST", "empty"),
        v1("truncated JSON", "{\"records\":[" + GOOD, 400, "MALFORMED_REQUEST", "not valid JSON"),
        v1("not JSON at all", "origin=SFO", 400, "MALFORMED_REQUEST", "not valid JSON"),
        v1("a JSON array as the body", "[" + GOOD + "]", 400, "INVALID_PARAMETER_VALUE", "must be a JSON object"),
        v1("no records key", "{}", 400, "INVALID_PARAMETER_VALUE", "'records'"),
        v1("records not an array", "{\"records\":" + GOOD + "}", 400, "INVALID_PARAMETER_VALUE", "'records' must be a JSON array"),
        v1("records empty", "{\"records\":[]}", 400, "INVALID_PARAMETER_VALUE", "at least one record"),
        v1("a record that is a number", "{\"records\":[42]}", 400, "INVALID_PARAMETER_VALUE", "records[0] must be a JSON object"),
        v1("an extra top-level key", "{\"records\":[" + GOOD + "],\"model\":\"x\"}", 400, "INVALID_PARAMETER_VALUE", "unknown key 'model'"),
        v1("trailing garbage after the JSON", "{\"records\":[" + GOOD + "]} and more", 400, "MALFORMED_REQUEST", "not valid JSON"),
        v1("a duplicate key", "{\"records\":[" + GOOD + "],\"records\":[" + GOOD + "]}", 400, "MALFORMED_REQUEST", "records"),
        v1("NaN literal", "{\"records\":[" + replace("distance", "NaN") + "]}", 400, "MALFORMED_REQUEST", "not valid JSON"),
        record("a mistyped field name", GOOD.replace("\"origin\"", "\"orign\""), "unknown field 'orign' (did you mean 'origin'?)"),
        record("an unknown extra field", with("carrier", "\"UA\""), "unknown field 'carrier'"),
        record("origin missing", without("origin"), "missing the field 'origin'"),
        record("departure missing", without("departure"), "missing the field 'departure_time' (or 'departure')"),
        record("distance missing", without("distance"), "missing the field 'distance'"),
        record("origin null", replace("origin", "null"), "records[0].origin is null"),
        record("origin a number", replace("origin", "7"), "records[0].origin must be a string, got number"),
        record("origin an object", replace("origin", "{\"code\":\"SFO\"}"), "records[0].origin must be a string, got object"),
        record("distance a string", replace("distance", "\"337\""), "records[0].distance must be a number, got the string \"337\""),
        record("distance a boolean", replace("distance", "true"), "records[0].distance must be a number, got boolean"),
        record("distance an array", replace("distance", "[337]"), "records[0].distance must be a number, got array"),
        record("distance the string NaN", replace("distance", "\"NaN\""), "records[0].distance must be a number"),
        record("distance overflowing to infinity", replace("distance", "1e400"), "send a finite number"),
        record("departure not a time", replace("departure", "\"yesterday\""), "records[0].departure is 'yesterday'"),
        record("departure with a time zone", replace("departure", "\"2001-06-15T08:30:00Z\""), "no time zone"),
        record("departure a number", replace("departure", "992593800"), "records[0].departure must be a local date-time"),
        record("departure given twice", with("departure_time", "\"2001-06-15T08:30:00\""), "gives 'departure_time' twice"),
        record("an override of the wrong type", with("origin_delays__avg_delay_24h", "\"high\""), "origin_delays__avg_delay_24h must be a number"),
        record("an override that is null", with("route_delays__avg_delay_7d", "null"), "route_delays__avg_delay_7d is null"),
        record("the second record bad", GOOD + "," + replace("distance", "\"far\""), "records[1].distance"),
        new Case("explain not a boolean", "POST", "/v1/models/delay/predict?explain=maybe", "application/json", "{\"records\":[" + GOOD + "]}",
            400, "INVALID_PARAMETER_VALUE", "explain=true or explain=false"),
        v1("more records than the batch limit", tooMany, 413, "REQUEST_LIMIT_EXCEEDED", "over the limit of 10"),
        v1("a body over the size limit", tooBig, 413, "REQUEST_LIMIT_EXCEEDED", "16384 bytes"),
        new Case("an unknown model", "POST", "/v1/models/nope/predict", "application/json", "{\"records\":[" + GOOD + "]}", 404,
            "RESOURCE_DOES_NOT_EXIST", "no model named 'nope' is served here; served: delay"),
        new Case("GET on the predict route", "GET", "/v1/models/delay/predict", null, null, 405, "METHOD_NOT_ALLOWED", "GET is not allowed"),
        new Case("an unknown route", "GET", "/v1/predict", null, null, 404, "RESOURCE_DOES_NOT_EXIST", "no route GET /v1/predict"),
        invocations("invocations as text/plain", "text/plain", "x", 415, "UNSUPPORTED_MEDIA_TYPE", "'text/csv'"),
        invocations("invocations without an input format", "application/json", "{}", 400, "INVALID_PARAMETER_VALUE", "dataframe_split, dataframe_records"),
        invocations("invocations with two formats", "application/json", "{\"instances\":[" + GOOD + "],\"inputs\":[" + GOOD + "]}", 400,
            "INVALID_PARAMETER_VALUE", "both 'instances' and 'inputs'"),
        invocations("dataframe_split row of the wrong length", "application/json",
            "{\"dataframe_split\":{\"columns\":[\"origin\",\"destination\"],\"data\":[[\"SFO\"]]}}", 400, "INVALID_PARAMETER_VALUE", "array of 2 values"),
        invocations("dataframe_split columns not names", "application/json",
            "{\"dataframe_split\":{\"columns\":[1,2],\"data\":[[\"SFO\",\"LAX\"]]}}", 400, "INVALID_PARAMETER_VALUE", "column names as strings"),
        invocations("instances of scalars", "application/json", "{\"instances\":[1,2,3]}", 400, "INVALID_PARAMETER_VALUE", "'instances'[0] must be an object"),
        invocations("inputs columns of unequal length", "application/json", "{\"inputs\":{\"origin\":[\"SFO\",\"ORD\"],\"destination\":[\"LAX\"]}}",
            400, "INVALID_PARAMETER_VALUE", "columns of equal length"),
        invocations("inference params the model lacks", "application/json", "{\"instances\":[" + GOOD + "],\"params\":{\"k\":1}}", 400,
            "INVALID_PARAMETER_VALUE", "no inference parameters"),
        invocations("CSV with an open quote", "text/csv", "origin,destination\n\"SFO,LAX\n", 400, "MALFORMED_REQUEST", "quoted cell"),
        invocations("CSV row with too few cells", "text/csv", "origin,destination,distance,departure\nSFO,LAX\n", 400, "INVALID_PARAMETER_VALUE", "CSV row 1 has 2 cells"),
        invocations("CSV distance not a number", "text/csv", "origin,destination,distance,departure\nSFO,LAX,far,2001-06-15T08:30:00\n", 400,
            "INVALID_PARAMETER_VALUE", "row[0].distance must be a number"),
        infer("a tensor without a name", "[{\"shape\":[1],\"datatype\":\"BYTES\",\"data\":[\"SFO\"]}]", "has no name"),
        infer("a BOOL tensor", "[{\"name\":\"origin\",\"shape\":[1],\"datatype\":\"BOOL\",\"data\":[true]}]", "datatype 'BOOL'"),
        infer("a shape that does not match the data", "[{\"name\":\"origin\",\"shape\":[2],\"datatype\":\"BYTES\",\"data\":[\"SFO\"]}]", "has shape [2] and 1 values"),
        infer("BYTES holding numbers", "[{\"name\":\"origin\",\"shape\":[1],\"datatype\":\"BYTES\",\"data\":[1]}]", "is BYTES but its value 0 is number"),
        infer("tensors of unequal length", "[" + origin + ",{\"name\":\"destination\",\"shape\":[2],\"datatype\":\"BYTES\",\"data\":[\"LAX\",\"ORD\"]}]",
            "one value per record"),
        infer("a tensor given twice", "[" + origin + "," + origin + "]", "'origin' is given twice"),
        new Case("an OIP output that does not exist", "POST", "/v2/models/delay/infer", "application/json",
            "{\"inputs\":[" + origin + "],\"outputs\":[{\"name\":\"logits\"}]}", 400, "INVALID_PARAMETER_VALUE", "the output 'logits' does not exist"),
        new Case("OIP inference on an unknown model", "POST", "/v2/models/nope/infer", "application/json", "{\"inputs\":[" + origin + "]}", 404,
            "RESOURCE_DOES_NOT_EXIST", "no model named 'nope'"),
        new Case("OIP metadata of an unknown model", "GET", "/v2/models/nope", null, null, 404, "RESOURCE_DOES_NOT_EXIST", "no model named 'nope'"),
        // The user's terms, never the JSON library's.
        v1("two JSON documents in one body", "{\"records\":[" + GOOD + "]}{\"records\":[" + GOOD + "]}", 400, "MALFORMED_REQUEST",
            "more than one JSON value"),
        v1("5,000-deep nesting", "{\"records\":" + "[".repeat(5_000) + "]".repeat(5_000) + "}", 400, "MALFORMED_REQUEST", "deeper than 64 levels"),
        v1("a 5,000-digit number", "{\"records\":[" + replace("distance", "1".repeat(5_000)) + "]}", 400, "MALFORMED_REQUEST", "more than 100 digits"),
        v1("a 5,000-character key", "{\"records\":[" + with("k".repeat(5_000), "1") + "]}", 400, "MALFORMED_REQUEST", "longer than 1000 characters"),
        v1("a NaN literal names no library setting", "{\"records\":[" + replace("distance", "NaN") + "]}", 400, "MALFORMED_REQUEST",
            "NaN and Infinity are not JSON numbers"),
        // Every value quoted in an error is cut.
        record("a 10,000-character departure", replace("departure", "\"" + "9".repeat(10_000) + "\""), "(10000 characters)"),
        record("a 10,000-character distance string", replace("distance", "\"" + "9".repeat(10_000) + "\""), "(10000 characters)"),
        record("a 900-character unknown field", with("x".repeat(900), "1"), "(900 characters)"),
        new Case("a 5,000-character model name", "POST", "/v1/models/" + "m".repeat(5_000) + "/predict", "application/json", "{\"records\":[" + GOOD + "]}",
            404, "RESOURCE_DOES_NOT_EXIST", "(5000 characters)"),
        new Case("a 5,000-character explain value", "POST", "/v1/models/delay/predict?explain=" + "y".repeat(5_000), "application/json",
            "{\"records\":[" + GOOD + "]}", 400, "INVALID_PARAMETER_VALUE", "(5000 characters)"),
        infer("a 5,000-character tensor name", "[{\"name\":\"" + "t".repeat(5_000) + "\",\"shape\":[1],\"datatype\":\"BYTES\",\"data\":[\"SFO\"]}]",
            "(5000 characters)"),
        invocations("a 900-character invocations key", "application/json", "{\"" + "f".repeat(900) + "\":[]}", 400, "INVALID_PARAMETER_VALUE",
            "(900 characters)"),
        // Strict values.
        record("a NUL in a time", replace("departure", "\"2001-06-15T08:30:00\\u0000\""), "records[0].departure holds a control character"),
        invocations("CSV with a duplicate header", "text/csv", "origin,destination,origin,distance,departure\nSFO,LAX,SFO,337,2001-06-15T08:30:00\n", 400,
            "INVALID_PARAMETER_VALUE", "names the column 'origin' twice")));
    return cases.stream();
  }

  /** A request written byte by byte, for what no HTTP client will send: Jetty's own refusals. */
  record Raw(String name, String request, int status, String errorCode, String mentions) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Raw> wire() {
    String post = "POST /v1/models/delay/predict HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n";
    return Stream.of(
        new Raw("Content-Length not a number", post + "Content-Length: abc\r\n\r\n{}", 400, "MALFORMED_REQUEST", "not valid HTTP/1.1"),
        new Raw("Content-Length and chunked together", post + "Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n", 400,
            "MALFORMED_REQUEST", "not valid HTTP/1.1"),
        new Raw("%00 in the path", "GET /v1/models/%00/predict HTTP/1.1\r\nHost: localhost\r\n\r\n", 400, "MALFORMED_REQUEST", "not valid HTTP/1.1"),
        new Raw("%FF in the path", "GET /v2/models/%FF HTTP/1.1\r\nHost: localhost\r\n\r\n", 400, "MALFORMED_REQUEST", "not valid HTTP/1.1"),
        new Raw("..\\ in the path", "GET /v2/models/..\\..\\etc HTTP/1.1\r\nHost: localhost\r\n\r\n", 400, "MALFORMED_REQUEST", "not valid HTTP/1.1"),
        new Raw("a bare CR in a header", "GET /health HTTP/1.1\r\nHost: localhost\r\nX-Note: a\rb\r\n\r\n", 400, "MALFORMED_REQUEST", "not valid HTTP/1.1"),
        new Raw("a NUL in a header", "GET /health HTTP/1.1\r\nHost: localhost\r\nX-Note: a\0b\r\n\r\n", 400, "MALFORMED_REQUEST", "not valid HTTP/1.1"),
        new Raw("no Host header", "GET /health HTTP/1.1\r\n\r\n", 400, "MALFORMED_REQUEST", "not valid HTTP/1.1"),
        new Raw("a 100 KB URL", "GET /v2/models/" + "a".repeat(100_000) + " HTTP/1.1\r\nHost: localhost\r\n\r\n", 414, "REQUEST_LIMIT_EXCEEDED",
            "the URL is over the limit of 16384 bytes"),
        new Raw("a 100 KB header", "GET /health HTTP/1.1\r\nHost: localhost\r\nX-Note: " + "a".repeat(100_000) + "\r\n\r\n", 431,
            "REQUEST_LIMIT_EXCEEDED", "serving.max-request-header-bytes"),
        new Raw("a 20 KB bearer token", "GET /v2/models/delay HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + "e".repeat(20_000) + "\r\n\r\n", 431,
            "REQUEST_LIMIT_EXCEEDED", "the request headers are over the limit of 16384 bytes"),
        new Raw("HELLO WORLD", "HELLO WORLD\r\n\r\n", 400, "MALFORMED_REQUEST", "HTTP/1.1"),
        new Raw("an HTTP/0.9 request", "GET /health\r\n\r\n", 400, "MALFORMED_REQUEST", "HTTP/1.1"),
        new Raw("overlong UTF-8 in a value", post + "Content-Length: " + OVERLONG.length() + "\r\n\r\n" + OVERLONG, 400, "INVALID_PARAMETER_VALUE",
            "the value of 'origin' is not valid UTF-8"),
        new Raw("explain with a broken escape", post.replace("predict", "predict?explain=%ZZ") + "Content-Length: " + (GOOD.length() + 14) + "\r\n\r\n"
            + "{\"records\":[" + GOOD + "]}", 400, "INVALID_PARAMETER_VALUE", "the query parameter explain is not percent-encoded"),
        new Raw("HTTP/2.5", "GET /health HTTP/2.5\r\nHost: localhost\r\n\r\n", 400, "MALFORMED_REQUEST", "HTTP/1.1"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("wire")
  void jetty_refuses_protocol_garbage_in_json(Raw bad) throws Exception {
    WireAnswer answer = WireAnswer.send(app.server().port(), bad.request());

    assertThat(answer.status()).as(answer.text()).isEqualTo(bad.status());
    assertThat(answer.header("content-type")).as(answer.text()).startsWith("application/json");
    JsonNode error = TestClient.JSON.readTree(answer.body());
    assertThat(error.get("error_code").asText()).isEqualTo(bad.errorCode());
    assertThat(error.get("message").asText()).contains(bad.mentions());
    if (bad.request().matches("(?s)[A-Z]+ /v2/.*") && bad.status() != 414) { // a URL over the limit is refused before the path is read
      assertThat(error.get("error").asText()).as("the Open Inference Protocol's error object").isEqualTo(error.get("message").asText());
    }
    Refusals.assertClean(answer.status(), answer.body());
  }

  @Test
  void a_six_kilobyte_token_is_read_and_judged_by_the_server() throws Exception {
    String token = "e".repeat(6_000);
    WireAnswer answer = WireAnswer.send(app.server().port(), "GET /v2/models/delay HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + token
        + "\r\nConnection: close\r\n\r\n");

    assertThat(answer.status()).as("no auth here: the token is ignored, the route answers").isEqualTo(200);
  }

  @Test
  void the_catalogue_has_at_least_forty_requests() {
    assertThat(catalogue().count()).isGreaterThanOrEqualTo(40);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("catalogue")
  void is_refused_with_a_json_error_that_names_the_problem(Case bad) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(app.baseUrl() + bad.path()));
    if (bad.method().equals("GET")) {
      request.GET();
    } else {
      request.POST(HttpRequest.BodyPublishers.ofString(bad.body()));
    }
    TestClient.Answer answer = bad.contentType() == null ? client.send(request) : client.send(request, "Content-Type", bad.contentType());

    assertThat(answer.status()).as(answer.body()).isEqualTo(bad.status());
    assertThat(answer.raw().headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
    JsonNode error = answer.json();
    assertThat(error.get("error_code").asText()).isEqualTo(bad.errorCode());
    assertThat(error.get("message").asText()).contains(bad.mentions());
    if (bad.path().startsWith("/v2/")) {
      assertThat(error.get("error").asText()).as("the Open Inference Protocol's error object").isEqualTo(error.get("message").asText());
    } else {
      assertThat(error.has("error")).as("MLflow's and the native error shape").isFalse();
    }
    Refusals.assertClean(answer.status(), answer.body());
  }
}
