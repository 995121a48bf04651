package io.treeline.serving.http;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.treeline.registry.ModelRef;
import io.treeline.serving.ServingApp;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The clients people already use, unchanged, from bin/test's venv against one server: Triton's HTTP
 * client (Open Inference Protocol, JSON and binary tensors), MLflow's scoring client (every input
 * format, values missing as pandas writes them, answers equal to mlflow.pyfunc's) and
 * prometheus_client's parser of /metrics. One Python script per client.
 */
class PythonClientsTest {
  private static final List<String> COLUMNS = List.of("distance", "departure_hour", "day_of_week", "origin_delays__avg_delay_24h",
      "route_delays__avg_delay_7d", "origin", "destination", "origin_airport__state");

  private static ServingFixture fixture;
  private static ServingApp app;
  private static TestClient client;
  private static List<Row> rows;

  @TempDir static Path dir;

  @BeforeAll
  static void serve() {
    fixture = ServingFixture.get();
    app = fixture.serve(ServingFixture.options(), "delay@champion");
    client = new TestClient(app.baseUrl());
    List<String> columns = new ArrayList<>(COLUMNS);
    columns.add("departure_time");
    rows = fixture.rows.orderBy("departure_time", "origin", "destination").limit(60).select(columns.stream().map(c -> col(c)).toArray(
        org.apache.spark.sql.Column[]::new)).collectAsList();
  }

  @AfterAll
  static void stop() {
    app.close();
  }

  @Test
  void tritonclient_reads_metadata_and_infers_with_json_and_binary_tensors() throws Exception {
    List<Map<String, Object>> records = new ArrayList<>();
    for (Row row : rows) {
      records.add(TestClient.record("origin", row.getAs("origin"), "destination", row.getAs("destination"), "distance", row.getAs("distance"),
          "departure", ((LocalDateTime) row.getAs("departure_time")).toString()));
    }
    JsonNode answer = client.postJson("/v1/models/delay/predict", Map.of("records", records)).json();
    Path cases = dir.resolve("triton-cases.json");
    TestClient.JSON.writeValue(cases.toFile(), Map.of("records", records, "expected", answer.get("predictions")));

    String output = python("triton_client.py", "127.0.0.1:" + app.server().port(), "delay", cases.toString());

    assertThat(output).contains("tritonclient: metadata, 60 records as JSON and binary tensors, versioned routes, 4 refusals: ok");
  }

  @Test
  void mlflow_scoring_client_with_missing_values_gets_what_pyfunc_predicts() throws Exception {
    List<Map<String, Object>> records = new ArrayList<>();
    for (Row row : rows) {
      Map<String, Object> record = new LinkedHashMap<>();
      COLUMNS.forEach(c -> record.put(c, row.getAs(c)));
      records.add(record);
    }
    Path data = dir.resolve("mlflow-rows.json");
    TestClient.JSON.writeValue(data.toFile(), Map.of("rows", records, "schema", fixture.registry.resolve(ModelRef.parse("delay@champion"))
        .manifest().toJsonTree().get("input_schema")));
    String source = fixture.registry.resolve(ModelRef.parse("delay@champion")).source();
    Path model = source.startsWith("file:") ? Path.of(URI.create(source)) : Path.of(source);

    String output = python("mlflow_scoring.py", "127.0.0.1", Integer.toString(app.server().port()), model.toString(), data.toString());

    assertThat(output).containsPattern("mlflow scoring client: 60 rows \\(60 with missing values\\) in 7 formats equal pyfunc: ok");
  }

  @Test
  void prometheus_client_parses_the_metrics() throws Exception {
    client.postJson("/v1/models/delay/predict", Map.of("records", List.of(TestClient.record("origin", "SFO", "destination", "LAX",
        "distance", 337, "departure", "2001-06-15T08:30:00"))));

    String output = python("prometheus_text.py", app.baseUrl() + "/metrics");

    assertThat(output).containsPattern("prometheus_client parser: \\d+ families, \\d+ samples: ok");
  }

  private static String python(String script, String... args) throws IOException, InterruptedException {
    return PythonScript.run(dir, script, args);
  }
}
