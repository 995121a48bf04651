package io.treeline.serving.http;

import static io.treeline.serving.http.TestClient.record;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.treeline.core.lake.LakeCatalog;
import io.treeline.core.lake.TableName;
import io.treeline.serving.ServingApp;
import io.treeline.serving.inference.DeltaKernelAppender;
import io.treeline.serving.inference.InferenceLogSchema;
import io.treeline.serving.inference.InferenceLogSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The inference log of a running server: what its answers carried, one row per record, in the lake table the SQL command queries. */
class InferenceLogServingTest {
  private static final TableName TABLE = new TableName("monitoring", "inference_log");

  private static InferenceLogSettings logTo(ServingFixture fixture, String location, String server) {
    return InferenceLogSettings.to(new DeltaKernelAppender(location, fixture.spark.sparkContext().hadoopConfiguration()))
        .withBatching(10_000, 1_000, Duration.ofMillis(200)).withServer(server);
  }

  private static Map<String, Object> request(Row flight) {
    return record("origin", flight.getString(0), "destination", flight.getString(1), "distance", flight.getDouble(2),
        "departure", ((LocalDateTime) flight.get(3)).toString());
  }

  /** What one answered record should leave in the log. */
  private record Answered(String requestId, int index, String route, Map<String, Object> sent, double label, Double probability, Row flight) {}

  /** Spooled, each record goes through the spool's file form first: read field by field from the request, written, read back and committed. */
  @ParameterizedTest(name = "spooled: {0}")
  @ValueSource(booleans = {false, true})
  void every_answered_prediction_is_one_row_per_record_carrying_what_the_answer_carried(boolean spooled, @TempDir Path spoolDir) throws Exception {
    ServingFixture fixture = ServingFixture.get();
    TableName table = spooled ? new TableName("monitoring", "inference_log_spooled") : TABLE;
    String location = fixture.lake.layout().table(table);
    InferenceLogSettings settings = logTo(fixture, location, "replica-1");
    if (spooled) {
      // Busy from the first record: every record is spooled, and the files are committed when the server stops.
      settings = settings.withSpool(new InferenceLogSettings.Spool(spoolDir, 0, Duration.ofHours(1), 1L << 30));
    }
    // Flights whose origin the store holds, and some (DTW, STL) it does not.
    List<Row> flights = fixture.rows.where("origin_delays__avg_delay_24h IS NOT NULL").limit(30)
        .union(fixture.rows.where("origin_delays__avg_delay_24h IS NULL").limit(10))
        .select("origin", "destination", "distance", "departure_time", "origin_delays__avg_delay_24h").collectAsList();
    Instant start = Instant.now();
    List<Answered> answered = new ArrayList<>();
    ServingApp app = fixture.serve(ServingFixture.options().withInferenceLog(settings), "delay@champion");
    try {
      TestClient client = new TestClient(app.baseUrl());
      for (int i = 0; i < 30; i++) {
        Map<String, Object> sent = request(flights.get(i));
        TestClient.Answer answer = client.postJson("/v1/models/delay/predict", Map.of("records", List.of(sent)), "X-Request-Id", "v1-" + i);
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        JsonNode prediction = answer.json().get("predictions").get(0);
        answered.add(new Answered("v1-" + i, 0, "/v1/models/{name}/predict", sent, prediction.get("label").asDouble(),
            prediction.get("probability").asDouble(), flights.get(i)));
      }
      List<Map<String, Object>> three = List.of(request(flights.get(30)), request(flights.get(31)), request(flights.get(32)));
      JsonNode multi = client.postJson("/v1/models/delay/predict", Map.of("records", three), "X-Request-Id", "multi").json();
      for (int i = 0; i < 3; i++) {
        JsonNode prediction = multi.get("predictions").get(i);
        answered.add(new Answered("multi", i, "/v1/models/{name}/predict", three.get(i), prediction.get("label").asDouble(),
            prediction.get("probability").asDouble(), flights.get(30 + i)));
      }
      for (int i = 0; i < 4; i++) {
        Map<String, Object> sent = request(flights.get(33 + i));
        TestClient.Answer answer = client.postJson("/invocations", Map.of("dataframe_records", List.of(sent)), "X-Request-Id", "mlflow-" + i);
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        answered.add(new Answered("mlflow-" + i, 0, "/invocations", sent, answer.json().get("predictions").get(0).asDouble(), null, flights.get(33 + i)));
      }
      for (int i = 0; i < 3; i++) {
        Map<String, Object> sent = request(flights.get(37 + i));
        List<Map<String, Object>> tensors = List.of(
            Map.of("name", "origin", "shape", List.of(1), "datatype", "BYTES", "data", List.of(sent.get("origin"))),
            Map.of("name", "destination", "shape", List.of(1), "datatype", "BYTES", "data", List.of(sent.get("destination"))),
            Map.of("name", "distance", "shape", List.of(1), "datatype", "FP64", "data", List.of(sent.get("distance"))),
            Map.of("name", "departure", "shape", List.of(1), "datatype", "BYTES", "data", List.of(sent.get("departure"))));
        TestClient.Answer answer = client.postJson("/v2/models/delay/infer", Map.of("inputs", tensors), "X-Request-Id", "v2-" + i);
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        JsonNode outputs = answer.json().get("outputs");
        answered.add(new Answered("v2-" + i, 0, "/v2/models/{name}/infer", sent, outputs.get(0).get("data").get(0).asDouble(),
            outputs.get(1).get("data").get(0).asDouble(), flights.get(37 + i)));
      }
      Map<String, Object> unknownField = new LinkedHashMap<>(request(flights.get(0)));
      unknownField.put("colour", "blue");
      assertThat(client.postJson("/v1/models/delay/predict", Map.of("records", List.of(unknownField)), "X-Request-Id", "refused").status())
          .isEqualTo(400);
      assertThat(client.get("/metrics").body()).contains("treeline_inference_log_queue_depth ").contains("treeline_inference_log_rows_total ");
    } finally {
      app.close();
    }
    Instant end = Instant.now();

    assertThat(app.server().inferenceLog().committedRows()).as("written by the time close() returned").isEqualTo(answered.size());
    if (spooled) {
      assertThat(spoolDir.toFile().list((dir, name) -> name.endsWith(".spool"))).as("every spool file committed and removed at the stop").isEmpty();
    }
    new LakeCatalog(fixture.spark, fixture.lake.layout()).register(table);
    Dataset<Row> log = fixture.spark.sql("SELECT * FROM " + table);
    assertThat(log.schema()).isEqualTo(StructType.fromDDL(InferenceLogSchema.DDL));
    Row detail = fixture.spark.sql("DESCRIBE DETAIL " + table).first();
    assertThat(detail.<String>getList(detail.fieldIndex("partitionColumns"))).containsExactly("date");
    assertThat(log.count()).as("one row per answered record; none for the refused request").isEqualTo(answered.size());

    Map<String, Row> rows = new LinkedHashMap<>();
    log.collectAsList().forEach(r -> rows.put(r.<String>getAs("request_id") + "#" + r.<Integer>getAs("record_index"), r));
    String runId = app.host().get("delay").manifest().runId();
    for (Answered expected : answered) {
      Row row = rows.get(expected.requestId() + "#" + expected.index());
      assertThat(row).as(expected.requestId()).isNotNull();
      String what = expected.requestId() + "[" + expected.index() + "]";
      assertThat(row.<String>getAs("origin")).as(what).isEqualTo("online");
      assertThat(row.<String>getAs("route")).as(what).isEqualTo(expected.route());
      assertThat(row.<String>getAs("served_name")).isEqualTo("delay");
      assertThat(row.<String>getAs("model_name")).isEqualTo("delay");
      assertThat(row.<Long>getAs("model_version")).isEqualTo(1L);
      assertThat(row.<String>getAs("run_id")).isEqualTo(runId).isNotBlank();
      assertThat(row.<String>getAs("server")).isEqualTo("replica-1");
      assertThat(row.<String>getAs("arm")).as("a plain --model REF@ALIAS is one arm, named by its alias").isEqualTo("champion");
      assertThat(row.<Double>getAs("prediction")).as(what).isEqualTo(expected.label());
      if (expected.probability() != null) {
        assertThat(row.<Double>getAs("probability")).as(what).isEqualTo(expected.probability());
      } else {
        assertThat(row.<Double>getAs("probability")).as(what + " is logged though /invocations does not answer it").isBetween(0.0, 1.0);
      }
      assertThat(row.<Double>getAs("latency_ms")).isPositive().isLessThan(Duration.between(start, end).toMillis());
      Instant loggedAt = row.<java.sql.Timestamp>getAs("logged_at").toInstant();
      assertThat(loggedAt).isBetween(start.minusMillis(1), end);
      assertThat(row.<java.sql.Date>getAs("date").toLocalDate()).isEqualTo(loggedAt.atZone(ZoneOffset.UTC).toLocalDate());
      assertThat(TestClient.JSON.readTree(row.<String>getAs("request"))).as(what).isEqualTo(TestClient.JSON.valueToTree(expected.sent()));
      assertFeatures(what, row.getList(row.fieldIndex("features")), expected.flight());
    }
    if (spooled) {
      // A second reader, Spark-free: delta-rs reads the table as committed from the spool (each commit with its txn action).
      Path read = spoolDir.resolve("delta-rs.json");
      PythonScript.run(spoolDir, "delta_rs_read.py", location, read.toString());
      JsonNode seen = TestClient.JSON.readTree(read.toFile());
      Map<String, JsonNode> byId = new LinkedHashMap<>();
      seen.get("rows").forEach(r -> byId.put(r.get("id").asText(), r));
      assertThat(byId).as("delta-rs sees every row once").hasSize(answered.size()).containsOnlyKeys(rows.keySet());
      rows.forEach((id, row) -> {
        JsonNode other = byId.get(id);
        assertThat(other.get("prediction").asDouble()).as(id).isEqualTo(row.<Double>getAs("prediction"));
        List<Row> features = row.getList(row.fieldIndex("features"));
        assertThat(other.get("features").asInt()).as(id).isEqualTo(features.size());
        assertThat(other.get("feature_times").asInt()).as(id).isEqualTo(features.stream().filter(f -> !f.isNullAt(5)).count());
      });
    }
  }

  /** Each model input with its source; the looked-up one with its view and the store's feature time, or missing. */
  private static void assertFeatures(String what, List<Row> features, Row flight) {
    Map<String, Row> byName = new LinkedHashMap<>();
    features.forEach(f -> byName.put(f.getString(0), f));
    assertThat(byName).as(what).containsOnlyKeys("origin", "destination", "distance", "departure_hour", "day_of_week",
        "origin_delays__avg_delay_24h", "route_delays__avg_delay_7d", "origin_airport__state");
    Row origin = byName.get("origin");
    assertThat(origin.isNullAt(1)).as("a request feature has no view").isTrue();
    assertThat(origin.getString(2)).isEqualTo("request");
    assertThat(origin.getString(4)).isEqualTo(flight.getString(0));
    assertThat(origin.isNullAt(3)).isTrue();
    assertThat(byName.get("distance").getDouble(3)).isEqualTo(flight.getDouble(2));
    Row hour = byName.get("departure_hour");
    assertThat(hour.getString(2)).isEqualTo("derived");
    assertThat(hour.getDouble(3)).isEqualTo(((LocalDateTime) flight.get(3)).getHour());
    Row looked = byName.get("origin_delays__avg_delay_24h");
    assertThat(looked.getString(1)).isEqualTo("origin_delays");
    if (flight.isNullAt(4)) {
      assertThat(looked.getString(2)).as(what + " whose origin the store lacks").isEqualTo("missing");
      assertThat(looked.isNullAt(3) && looked.isNullAt(5)).isTrue();
    } else {
      assertThat(looked.getString(2)).as(what).isEqualTo("online_store");
      assertThat(looked.getDouble(3)).isEqualTo(flight.getDouble(4));
      assertThat(looked.getTimestamp(5).toInstant()).isEqualTo(Instant.parse("2001-06-01T00:00:00Z"));
    }
  }

  @Test
  void two_servers_log_into_one_table_at_once_every_row_exactly_once() throws Exception {
    ServingFixture fixture = ServingFixture.get();
    String location = fixture.lake.layout().table(new TableName("monitoring", "two_servers"));
    Row flight = fixture.rows.where("origin_delays__avg_delay_24h IS NOT NULL").select("origin", "destination", "distance", "departure_time").first();
    ServingApp a = fixture.serve(ServingFixture.options().withInferenceLog(logTo(fixture, location, "a").withBatching(10_000, 20, Duration.ofMillis(20))),
        "delay@champion");
    ServingApp b = fixture.serve(ServingFixture.options().withInferenceLog(logTo(fixture, location, "b").withBatching(10_000, 20, Duration.ofMillis(20))),
        "delay@champion");
    ExecutorService callers = Executors.newFixedThreadPool(2);
    try {
      List<Future<?>> calls = new ArrayList<>();
      for (ServingApp app : List.of(a, b)) {
        calls.add(callers.submit(() -> {
          TestClient client = new TestClient(app.baseUrl());
          for (int i = 0; i < 80; i++) {
            assertThat(client.postJson("/v1/models/delay/predict", Map.of("records", List.of(request(flight)))).status()).isEqualTo(200);
          }
        }));
      }
      for (Future<?> call : calls) {
        call.get();
      }
    } finally {
      callers.shutdownNow();
      a.close();
      b.close();
    }

    Dataset<Row> log = fixture.spark.read().format("delta").load(location);
    assertThat(log.count()).isEqualTo(160);
    assertThat(log.select("request_id").distinct().count()).as("the server's own request ids, each once").isEqualTo(160);
    assertThat(log.groupBy("server").count().orderBy("server").collectAsList().stream().map(r -> r.getString(0) + "=" + r.getLong(1)))
        .containsExactly("a=80", "b=80");
  }
}
