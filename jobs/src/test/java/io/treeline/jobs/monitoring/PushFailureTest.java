package io.treeline.jobs.monitoring;

import static io.treeline.jobs.JobsTestSupport.cli;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.delta.tables.DeltaTable;
import io.treeline.core.testing.TempLake;
import io.treeline.core.testing.TestSpark;
import io.treeline.jobs.JobsTestSupport.CliRun;
import io.treeline.jobs.data.LoadData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A Pushgateway that cannot be reached costs a warning, never the job's exit code; a malformed URL is refused up front. */
class PushFailureTest {
  private static final String SECRET = "pushgateway-secret-42";

  @Test
  void an_unreachable_pushgateway_warns_and_leaves_success_and_failure_exit_codes_as_they_are() throws Exception {
    String nobody = "http://127.0.0.1:" + PushgatewayServer.freePort();
    try (TempLake lake = new TempLake(); TempLake empty = new TempLake()) {
      lake.stageFlightsSlice();

      CliRun succeeded = cli("data", "load", "--limit", "500", "--conf", "lake.root=" + lake.root(), "--conf", "monitoring.pushgateway.url=" + nobody,
          "--conf", "monitoring.pushgateway.username=ops", "--conf", "monitoring.pushgateway.password=" + SECRET);
      CliRun failed = cli("data", "load", "--conf", "lake.root=" + empty.root(), "--conf", "monitoring.pushgateway.url=" + nobody);

      assertThat(succeeded.exitCode()).as(succeeded.err()).isZero();
      assertThat(succeeded.out()).contains("raw.flights loaded (500 rows");
      assertThat(succeeded.err()).contains("warning: Cannot push the figures of data load to the Pushgateway at " + nobody + ": ")
          .contains("The job's outcome is unchanged; check monitoring.pushgateway.url").doesNotContain(SECRET);
      assertThat(failed.exitCode()).isEqualTo(2);
      assertThat(failed.err()).contains("error: ").contains("warning: Cannot push the figures of data load");
    }
  }

  @Test
  void with_json_logs_the_push_warning_is_a_json_event_too() throws Exception {
    String nobody = "http://127.0.0.1:" + PushgatewayServer.freePort();
    try (TempLake lake = new TempLake()) {
      lake.stageFlightsSlice();

      CliRun run = cli("data", "load", "--limit", "10", "--log-format", "json", "--conf", "lake.root=" + lake.root(),
          "--conf", "monitoring.pushgateway.url=" + nobody);

      assertThat(run.exitCode()).as(run.err()).isZero();
      List<JsonNode> events = new ArrayList<>();
      for (String line : run.err().split("\n")) {
        if (!line.isBlank()) {
          events.add(new ObjectMapper().readTree(line)); // throws on a line that is not JSON
        }
      }
      assertThat(events).anySatisfy(event -> {
        assertThat(event.get("level").asText()).isEqualTo("WARN");
        assertThat(event.get("message").asText()).startsWith("Cannot push the figures of data load to the Pushgateway at " + nobody);
      });
    }
  }

  @Test
  void the_gateway_sees_the_exit_code_the_scheduler_sees_when_the_summary_cannot_be_written() throws Exception {
    try (PushgatewayServer gateway = PushgatewayServer.start(); TempLake lake = new TempLake()) {
      lake.stageFlightsSlice();
      Path notADirectory = Files.createTempFile("summary-parent", ".txt");

      CliRun run = cli("data", "load", "--limit", "10", "--conf", "lake.root=" + lake.root(), "--conf", "monitoring.pushgateway.url=" + gateway.url(),
          "--summary-json", notADirectory.resolve("summary.json").toString());

      assertThat(run.exitCode()).isEqualTo(2);
      assertThat(run.err()).contains("Cannot write summary");
      String pushed = gateway.scrape();
      assertThat(pushed).containsPattern("treeline_job_exit_code\\{[^}]*command=\"data load\"[^}]*} 2\\b")
          .containsPattern("treeline_job_succeeded\\{[^}]*command=\"data load\"[^}]*} 0\\b");
    }
  }

  @Test
  void a_pushgateway_url_with_credentials_in_it_is_refused_without_showing_them() throws Exception {
    try (TempLake lake = new TempLake()) {
      CliRun run = cli("data", "load", "--conf", "lake.root=" + lake.root(), "--conf", "monitoring.pushgateway.url=http://ops:" + SECRET + "@127.0.0.1:9091");

      assertThat(run.exitCode()).isEqualTo(2);
      assertThat(run.err()).contains("it carries user information").contains("monitoring.pushgateway.username").doesNotContain(SECRET);
    }
  }

  @Test
  void a_pushgateway_url_that_is_not_http_stops_the_command_before_it_runs() throws Exception {
    try (TempLake lake = new TempLake()) {
      lake.stageFlightsSlice();

      CliRun run = cli("data", "load", "--limit", "10", "--conf", "lake.root=" + lake.root(), "--conf", "monitoring.pushgateway.url=pushgateway:9091");

      assertThat(run.exitCode()).isEqualTo(2);
      assertThat(run.err()).contains("monitoring.pushgateway.url pushgateway:9091").contains("it is not an http:// or https:// URL")
          .contains("e.g. http://pushgateway:9091");
      assertThat(DeltaTable.isDeltaTable(TestSpark.session(), lake.layout().table(LoadData.FLIGHTS))).isFalse();
    }
  }

  @Test
  void interactive_commands_push_nothing_and_ignore_the_setting() {
    CliRun run = cli("features", "validate", "--conf", "features.dir=../conf/features", "--conf", "monitoring.pushgateway.url=not a url");

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.err()).doesNotContain("Pushgateway").doesNotContain("monitoring.pushgateway");
  }

  @Test
  void the_settings_never_show_the_password() {
    PushgatewaySettings settings = PushgatewaySettings.from(io.treeline.core.config.TreelineConfig.defaults().with(java.util.Map.of(
        "monitoring.pushgateway.url", "https://push.example:9091/", "monitoring.pushgateway.password", SECRET))).orElseThrow();

    assertThat(settings.url()).hasToString("https://push.example:9091");
    assertThat(settings.toString()).doesNotContain(SECRET).contains("password=***");
    assertThat(Pushgateway.path(new Pushgateway(settings).group("command", "features materialize")))
        .isEqualTo("/metrics/job@base64/dHJlZWxpbmU=/command@base64/ZmVhdHVyZXMgbWF0ZXJpYWxpemU=");
  }
}
