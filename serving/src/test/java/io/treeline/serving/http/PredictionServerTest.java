package io.treeline.serving.http;

import static io.treeline.serving.http.TestClient.record;
import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.treeline.serving.ServingApp;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The server end to end on the embedded store: Spark's answers through every protocol, and the operational routes. */
class PredictionServerTest {
  private static ServingFixture fixture;
  private static ServingApp app;
  private static TestClient client;
  private static List<Row> sample;

  @BeforeAll
  static void serve() {
    fixture = ServingFixture.get();
    app = fixture.serve(ServingFixture.options(), "delay@champion", "delay-minutes@champion");
    client = new TestClient(app.baseUrl());
    // Flights whose origin the store holds, and some whose origin it does not (their values are imputed).
    Dataset<Row> rows = fixture.rows.where("hash(departure_time, origin) % 40 = 0 AND origin_delays__avg_delay_24h IS NOT NULL").limit(200)
        .union(fixture.rows.where("origin_delays__avg_delay_24h IS NULL").limit(50));
    sample = fixture.classifier.transform(rows).select(col("origin"), col("destination"), col("distance"), col("departure_time"),
        col("prediction"), col("probability"), col("origin_delays__avg_delay_24h")).collectAsList();
    assertThat(sample).hasSizeGreaterThan(100);
  }

  @AfterAll
  static void stop() {
    app.close();
  }

  private static Map<String, Object> request(Row row) {
    return record("origin", row.getString(0), "destination", row.getString(1), "distance", row.getDouble(2),
        "departure", ((LocalDateTime) row.get(3)).toString());
  }

  @Test
  void predicts_what_spark_transform_predicts_with_features_looked_up_from_the_online_store() {
    List<Map<String, Object>> records = sample.stream().map(PredictionServerTest::request).toList();
    JsonNode answer = client.postJson("/v1/models/delay/predict", Map.of("records", records)).json();

    assertThat(answer.get("model").asText()).isEqualTo("delay");
    assertThat(answer.get("version").asLong()).isEqualTo(1);
    JsonNode predictions = answer.get("predictions");
    assertThat(predictions).hasSize(sample.size());
    int missingLookups = 0;
    for (int i = 0; i < sample.size(); i++) {
      Row expected = sample.get(i);
      assertThat(predictions.get(i).get("label").asDouble()).as("label of record %d", i).isEqualTo(expected.getDouble(4));
      assertThat(predictions.get(i).get("probability").asDouble()).as("probability of record %d", i)
          .isCloseTo(((Vector) expected.get(5)).apply(1), within(1e-9));
      missingLookups += expected.isNullAt(6) ? 1 : 0;
    }
    assertThat(missingLookups).as("records whose origin the store does not hold (imputed)").isPositive().isLessThan(sample.size());
  }

  @Test
  void explains_each_value_and_its_source_and_lets_the_request_override_a_looked_up_value() {
    Row row = sample.stream().filter(r -> !r.isNullAt(6)).findFirst().orElseThrow();
    Map<String, Object> plain = request(row);
    JsonNode explained = client.postJson("/v1/models/delay/predict?explain=true", Map.of("records", List.of(plain)))
        .json().get("predictions").get(0).get("features");
    assertThat(explained.get("origin_delays__avg_delay_24h").get("source").asText()).isEqualTo("online_store");
    assertThat(explained.get("origin_delays__avg_delay_24h").get("value").asDouble()).isCloseTo(row.getDouble(6), within(1e-12));
    assertThat(explained.get("departure_hour").get("source").asText()).isEqualTo("derived");
    assertThat(explained.get("departure_hour").get("value").asDouble()).isEqualTo(((LocalDateTime) row.get(3)).getHour());
    assertThat(explained.get("origin").get("source").asText()).isEqualTo("request");

    Map<String, Object> overridden = new java.util.LinkedHashMap<>(plain);
    overridden.put("origin_delays__avg_delay_24h", 999.0);
    overridden.put("departure_hour", 3);
    JsonNode features = client.postJson("/v1/models/delay/predict?explain=true", Map.of("records", List.of(overridden)))
        .json().get("predictions").get(0).get("features");
    assertThat(features.get("origin_delays__avg_delay_24h").get("source").asText()).isEqualTo("request");
    assertThat(features.get("origin_delays__avg_delay_24h").get("value").asDouble()).isEqualTo(999.0);
    assertThat(features.get("departure_hour").get("value").asDouble()).isEqualTo(3.0);

    Map<String, Object> unknownAirport = new java.util.LinkedHashMap<>(plain);
    unknownAirport.put("origin", "ZZZ");
    JsonNode missing = client.postJson("/v1/models/delay/predict?explain=true", Map.of("records", List.of(unknownAirport)))
        .json().get("predictions").get(0);
    assertThat(missing.get("features").get("origin_delays__avg_delay_24h").get("source").asText()).isEqualTo("missing");
    assertThat(missing.get("probability").asDouble()).isBetween(0.0, 1.0);
  }

  @Test
  void every_protocol_gives_the_same_predictions() {
    List<Row> five = sample.subList(0, 5);
    List<Map<String, Object>> records = five.stream().map(PredictionServerTest::request).toList();
    List<Double> labels = new ArrayList<>();
    List<Double> probabilities = new ArrayList<>();
    client.postJson("/v1/models/delay/predict", Map.of("records", records)).json().get("predictions").forEach(p -> {
      labels.add(p.get("label").asDouble());
      probabilities.add(p.get("probability").asDouble());
    });
    List<String> columns = List.of("origin", "destination", "distance", "departure");
    List<List<Object>> data = records.stream().map(r -> columns.stream().map(r::get).toList()).toList();
    Map<String, Object> columnar = new java.util.LinkedHashMap<>();
    columns.forEach(c -> columnar.put(c, records.stream().map(r -> r.get(c)).toList()));
    StringBuilder csv = new StringBuilder(String.join(",", columns)).append('\n');
    records.forEach(r -> csv.append(columns.stream().map(c -> String.valueOf(r.get(c))).reduce((a, b) -> a + "," + b).orElseThrow()).append('\n'));

    List<TestClient.Answer> mlflow = List.of(
        client.postJson("/invocations", Map.of("dataframe_split", Map.of("columns", columns, "data", data))),
        client.postJson("/invocations", Map.of("dataframe_records", records)),
        client.postJson("/invocations", Map.of("instances", records)),
        client.postJson("/invocations", Map.of("inputs", records)),
        client.postJson("/invocations", Map.of("inputs", columnar)),
        client.post("/invocations", "text/csv", csv.toString()));
    for (TestClient.Answer answer : mlflow) {
      assertThat(answer.status()).as(answer.body()).isEqualTo(200);
      List<Double> predicted = new ArrayList<>();
      answer.json().get("predictions").forEach(p -> predicted.add(p.asDouble()));
      assertThat(predicted).isEqualTo(labels);
    }

    List<Map<String, Object>> tensors = List.of(
        Map.of("name", "origin", "shape", List.of(5), "datatype", "BYTES", "data", columnar.get("origin")),
        Map.of("name", "destination", "shape", List.of(5), "datatype", "BYTES", "data", columnar.get("destination")),
        Map.of("name", "distance", "shape", List.of(5, 1), "datatype", "FP64", "data", columnar.get("distance")),
        Map.of("name", "departure_time", "shape", List.of(5), "datatype", "BYTES", "data", columnar.get("departure")));
    JsonNode oip = client.postJson("/v2/models/delay/infer", Map.of("id", "r-1", "inputs", tensors)).json();
    assertThat(oip.get("model_name").asText()).isEqualTo("delay");
    assertThat(oip.get("model_version").asText()).isEqualTo("1");
    assertThat(oip.get("id").asText()).isEqualTo("r-1");
    assertThat(oip.get("outputs").get(0).get("name").asText()).isEqualTo("label");
    List<Double> oipProbabilities = new ArrayList<>();
    oip.get("outputs").get(1).get("data").forEach(p -> oipProbabilities.add(p.asDouble()));
    assertThat(oipProbabilities).isEqualTo(probabilities);
  }

  @Test
  void answers_curl_d_which_labels_json_as_a_form() {
    TestClient.Answer answer = client.post("/v1/models/delay/predict", "application/x-www-form-urlencoded",
        "{\"records\":[{\"origin\":\"SFO\",\"destination\":\"LAX\",\"departure\":\"2001-06-15T08:30:00\",\"distance\":337}]}");
    assertThat(answer.status()).as(answer.body()).isEqualTo(200);
    assertThat(answer.json().get("version").asLong()).isEqualTo(1);
    assertThat(answer.json().get("predictions").get(0).get("probability").asDouble()).isBetween(0.0, 1.0);
  }

  @Test
  void a_classifier_of_more_classes_answers_every_class_probability_on_each_protocol() {
    try (ServingApp multi = fixture.serve(ServingFixture.options(), fixture.multiclass())) {
      TestClient multiClient = new TestClient(multi.baseUrl());
      List<Map<String, Object>> records = sample.subList(0, 3).stream().map(PredictionServerTest::request).toList();
      JsonNode predictions = multiClient.postJson("/v1/models/delay-class/predict", Map.of("records", records)).json().get("predictions");
      List<Double> flat = new ArrayList<>();
      for (JsonNode p : predictions) {
        assertThat(p.get("probabilities")).hasSize(3);
        double sum = 0;
        for (JsonNode q : p.get("probabilities")) {
          flat.add(q.asDouble());
          sum += q.asDouble();
        }
        assertThat(sum).isCloseTo(1.0, within(1e-9));
      }
      Map<String, Object> columnar = new java.util.LinkedHashMap<>();
      List.of("origin", "destination", "distance", "departure").forEach(c -> columnar.put(c, records.stream().map(r -> r.get(c)).toList()));
      TestClient.Answer oip = multiClient.postJson("/v2/models/delay-class/infer", Map.of("inputs", List.of(
          Map.of("name", "origin", "shape", List.of(3), "datatype", "BYTES", "data", columnar.get("origin")),
          Map.of("name", "destination", "shape", List.of(3), "datatype", "BYTES", "data", columnar.get("destination")),
          Map.of("name", "distance", "shape", List.of(3), "datatype", "FP64", "data", columnar.get("distance")),
          Map.of("name", "departure", "shape", List.of(3), "datatype", "BYTES", "data", columnar.get("departure")))));
      assertThat(oip.status()).as(oip.body()).isEqualTo(200);
      JsonNode probability = oip.json().get("outputs").get(1);
      assertThat(probability.get("shape").toString()).isEqualTo("[3,3]");
      List<Double> oipFlat = new ArrayList<>();
      probability.get("data").forEach(q -> oipFlat.add(q.asDouble()));
      assertThat(oipFlat).isEqualTo(flat);
    }
  }

  @Test
  void a_regressor_answers_its_value() {
    List<Row> expected = fixture.regressor.transform(fixture.rows.where("hash(departure_time, origin) % 40 = 0").limit(20))
        .select("origin", "destination", "distance", "departure_time", "prediction").collectAsList();
    List<Map<String, Object>> records = expected.stream().map(PredictionServerTest::request).toList();
    JsonNode predictions = client.postJson("/v1/models/delay-minutes/predict", Map.of("records", records)).json().get("predictions");
    for (int i = 0; i < expected.size(); i++) {
      assertThat(predictions.get(i).get("value").asDouble()).isCloseTo(expected.get(i).getDouble(4), within(1e-9));
      assertThat(predictions.get(i).has("probability")).isFalse();
    }
  }

  @Test
  void health_readiness_metadata_metrics_and_the_openapi_document() {
    assertThat(client.get("/ping").status()).isEqualTo(200);
    assertThat(client.get("/health").status()).isEqualTo(200);
    assertThat(client.get("/version").body()).isEqualTo("test");
    JsonNode ready = client.get("/ready").json();
    assertThat(ready.get("ready").asBoolean()).isTrue();
    assertThat(ready.get("models").get("delay").get("version").asLong()).isEqualTo(1);
    assertThat(client.get("/v2/health/live").json().get("live").asBoolean()).isTrue();
    assertThat(client.get("/v2/health/ready").json().get("ready").asBoolean()).isTrue();
    assertThat(client.get("/v2/models/delay/ready").json().get("ready").asBoolean()).isTrue();
    JsonNode metadata = client.get("/v2/models/delay").json();
    assertThat(metadata.get("versions").get(0).asText()).isEqualTo("1");
    List<String> inputs = new ArrayList<>();
    metadata.get("inputs").forEach(i -> inputs.add(i.get("name").asText()));
    assertThat(inputs).contains("origin", "destination", "distance", "departure_time", "origin_delays__avg_delay_24h");

    client.postJson("/v1/models/delay/predict", Map.of("records", List.of(request(sample.get(0)))));
    client.postJson("/v1/models/delay/predict", Map.of("records", List.of(Map.of("origin", 1))));
    String metrics = client.get("/metrics").body();
    assertThat(metrics)
        .contains("treeline_requests_total{route=\"v1_predict\",model=\"delay\",version=\"1\",status=\"200\",arm=\"champion\"}")
        .contains("treeline_request_errors_total{route=\"v1_predict\",model=\"delay\",error_code=\"INVALID_PARAMETER_VALUE\"}")
        .contains("treeline_request_duration_seconds_bucket{route=\"v1_predict\",model=\"delay\",version=\"1\",arm=\"champion\",le=\"0.001\"}")
        .contains("treeline_online_store_read_seconds_count{store=\"embedded\"}")
        .contains("treeline_model_load_seconds{model=\"delay\",version=\"1\",arm=\"champion\"}")
        .contains("treeline_feature_staleness_seconds{view=\"origin_delays\"}")
        .containsPattern("treeline_online_view_last_write_timestamp_seconds\\{view=\"origin_delays\"} (\\d{10}|\\d\\.\\d+E9)\n")
        .contains("treeline_model_load_failures_total{model=\"delay\"} 0\n")
        .contains("treeline_model_version{model=\"delay-minutes\",arm=\"champion\"} 1");

    JsonNode openapi = client.get("/openapi.json").json();
    List<String> paths = new ArrayList<>();
    openapi.get("paths").fieldNames().forEachRemaining(paths::add);
    assertThat(paths).contains("/v1/models/{name}/predict", "/invocations", "/v2/models/{name}/infer", "/v2/models/{name}",
        "/v2/models/{name}/ready", "/v2/health/live", "/v2/health/ready", "/ping", "/health", "/version", "/ready", "/metrics");
  }
}
