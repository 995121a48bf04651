package io.treeline.jobs.logging;

import static io.treeline.jobs.JobsTestSupport.cli;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.treeline.core.testing.TempLake;
import io.treeline.jobs.JobsTestSupport.CliRun;
import io.treeline.serving.http.AccessEvent;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.config.Configurator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** --log-format json: stderr carries JSON events only, Spark's own included; stdout keeps the command's output. */
class JsonLogTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ISO_UTC_MILLIS = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z";

  @BeforeEach
  void treelineEventsAtInfo() {
    // conf/log4j2.xml logs the treeline.* loggers at INFO; the tests' configuration keeps everything at WARN.
    Configurator.setLevel("treeline", Level.INFO);
  }

  @AfterEach
  void quietAgain() {
    Configurator.setLevel("treeline", Level.WARN);
    Configurator.setLevel("org.apache.spark", Level.ERROR);
    Configurator.setLevel("io.delta", Level.ERROR);
  }

  /** Every line of stderr as a JSON object; fails on the first line that is not one. */
  private static List<JsonNode> events(String stderr) throws IOException {
    List<JsonNode> events = new ArrayList<>();
    for (String line : stderr.split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      JsonNode event;
      try {
        event = JSON.readTree(line);
      } catch (IOException e) {
        throw new AssertionError("a line of the log is not JSON: " + line, e);
      }
      assertThat(event.isObject()).as(line).isTrue();
      assertThat(event.get("time").asText()).as(line).matches(ISO_UTC_MILLIS);
      assertThat(event.get("level").asText()).as(line).isIn("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL");
      assertThat(event.get("logger").asText()).as(line).isNotEmpty();
      assertThat(event.get("thread").asText()).as(line).isNotEmpty();
      assertThat(event.has("message")).as(line).isTrue();
      events.add(event);
    }
    return events;
  }

  @Test
  void a_batch_command_logs_only_json_lines_spark_included_and_keeps_its_result_on_stdout() throws IOException {
    try (TempLake lake = new TempLake()) {
      CliRun run = cli("sql", "select id % 3 as k, count(*) as n from range(100) group by 1 order by 1", "--verbose", "--log-format", "json",
          "--conf", "lake.root=" + lake.root());

      assertThat(run.exitCode()).as(run.err()).isZero();
      assertThat(run.out()).contains("| k | n  |", "| 0 | 34 |", "3 rows");
      List<JsonNode> events = events(run.err());
      assertThat(events).as("Spark's own INFO log, as JSON").anyMatch(e -> e.get("logger").asText().startsWith("org.apache.spark")
          && e.get("level").asText().equals("INFO"));
      JsonNode outcome = events.get(events.size() - 1);
      assertThat(outcome.get("logger").asText()).isEqualTo("treeline.cli");
      assertThat(outcome.get("command").asText()).isEqualTo("sql");
      assertThat(outcome.get("status").asText()).isEqualTo("succeeded");
      assertThat(outcome.get("exit_code").isInt()).isTrue();
      assertThat(outcome.get("exit_code").asInt()).isZero();
      assertThat(outcome.get("elapsed_seconds").isNumber()).isTrue();
      assertThat(outcome.get("message").asText()).startsWith("treeline sql succeeded (exit 0) in ");
    }
  }

  @Test
  void a_failure_is_an_error_event_with_its_stack_under_verbose_and_text_comes_back_afterwards() throws IOException {
    try (TempLake lake = new TempLake()) {
      CliRun failed = cli("sql", "select * from raw.missing", "--verbose", "--conf", "lake.root=" + lake.root(), "--conf", "log.format=json");
      CliRun text = cli("sql", "select * from raw.missing", "--conf", "lake.root=" + lake.root());

      assertThat(failed.exitCode()).isEqualTo(2);
      List<JsonNode> events = events(failed.err());
      JsonNode error = events.stream().filter(e -> e.get("logger").asText().equals("treeline.cli") && e.get("level").asText().equals("ERROR"))
          .findFirst().orElseThrow(() -> new AssertionError("no error event in " + failed.err()));
      assertThat(error.get("message").asText()).startsWith("Cannot run the query:").contains("missing");
      assertThat(error.get("error_type").asText()).isNotEmpty();
      assertThat(error.get("stack_trace").asText()).contains("\tat ");
      assertThat(events.get(events.size() - 1).get("exit_code").asInt()).isEqualTo(2);

      assertThat(text.exitCode()).isEqualTo(2);
      assertThat(text.err()).startsWith("error: Cannot run the query:");
    }
  }

  @Test
  void the_format_applies_even_when_the_settings_do_not_load() throws IOException {
    // A mistyped key fails before the settings exist; --log-format still decides how that error is told.
    CliRun run = cli("sql", "select 1", "--log-format", "json", "--conf", "lake.rooot=/tmp/x");

    assertThat(run.exitCode()).isEqualTo(2);
    List<JsonNode> events = events(run.err());
    assertThat(events).anyMatch(e -> e.get("level").asText().equals("ERROR")
        && e.get("message").asText().contains("Cannot load configuration from --conf: unknown key 'lake.rooot'"));
  }

  @Test
  void an_unknown_log_format_is_a_usage_error() {
    CliRun run = cli("sql", "select 1", "--log-format", "xml");

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("Invalid value for option '--log-format': expected text or json, got 'xml'");
  }

  @Test
  void an_access_event_becomes_top_level_fields_with_numbers_as_numbers() throws IOException {
    PrintStream original = System.err;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try (JsonLog json = JsonLog.install()) {
      LogManager.getLogger(AccessEvent.LOGGER).info(new AccessEvent("req-1", "POST", "/v1/models/flight-delay/predict", "v1_predict",
          "flight-delay", "3", 200, 1.25, null, "4bf92f3577b34da6a3ce929d0e0e4736"));
    } finally {
      System.setErr(original);
    }

    List<JsonNode> events = events(err.toString(StandardCharsets.UTF_8));
    assertThat(events).hasSize(1);
    JsonNode event = events.get(0);
    assertThat(event.get("logger").asText()).isEqualTo("treeline.access");
    assertThat(event.get("level").asText()).isEqualTo("INFO");
    assertThat(event.get("request_id").asText()).isEqualTo("req-1");
    assertThat(event.get("method").asText()).isEqualTo("POST");
    assertThat(event.get("path").asText()).isEqualTo("/v1/models/flight-delay/predict");
    assertThat(event.get("model").asText()).isEqualTo("flight-delay");
    assertThat(event.get("version").asText()).isEqualTo("3");
    assertThat(event.get("status").isInt()).isTrue();
    assertThat(event.get("status").asInt()).isEqualTo(200);
    assertThat(event.get("latency_ms").isNumber()).isTrue();
    assertThat(event.get("latency_ms").asDouble()).isEqualTo(1.25);
    assertThat(event.get("trace_id").asText()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
    assertThat(event.get("message").asText())
        .isEqualTo("POST /v1/models/flight-delay/predict 200 1.25 ms model=flight-delay version=3 request_id=req-1 trace_id=4bf92f3577b34da6a3ce929d0e0e4736");
  }
}
