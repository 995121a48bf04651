package io.treeline.jobs.cli;

import static io.treeline.jobs.JobsTestSupport.cli;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.treeline.core.testing.TempLake;
import io.treeline.jobs.JobsTestSupport.CliRun;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CliTest {
  @TempDir Path dir;

  @Test
  void help_and_version_print_usage_and_exit_zero() {
    CliRun help = cli("--help");
    CliRun loadHelp = cli("data", "load", "--help");
    CliRun version = cli("--version");

    assertThat(help.exitCode()).isZero();
    assertThat(help.out()).contains("Usage: treeline", "quickstart", "data", "sql", "doctor", "--summary-json", "--conf");
    assertThat(loadHelp.exitCode()).isZero();
    assertThat(loadHelp.out()).contains("Usage: treeline data load", "--limit=N", "--force", "--conf=KEY=VALUE");
    assertThat(version.out()).contains("treeline 0.1.0-SNAPSHOT (Spark 4.2.0, Delta 4.4.0");
    for (String command : new String[] {"quickstart", "data", "data fetch", "sql", "doctor"}) {
      CliRun run = cli((command + " --help").split(" "));
      assertThat(run.exitCode()).as(command).isZero();
      assertThat(run.out()).as(command).contains("Usage: treeline " + command);
    }
  }

  @Test
  void a_mistyped_conf_key_exits_2_naming_the_key() {
    CliRun run = cli("sql", "select 1", "--conf", "lake.rooot=/tmp/x");

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err())
        .contains("Cannot load configuration from --conf: unknown key 'lake.rooot'")
        .contains("Did you mean 'lake.root'?");
  }

  @Test
  void a_mistyped_key_in_the_config_file_exits_2_naming_key_and_file() throws IOException {
    Path file = Files.writeString(dir.resolve("treeline.yaml"), "lake:\n  rot: /tmp/lake\n");

    CliRun run = cli("doctor", "--config", file.toString());

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("Cannot load configuration from " + file + ": unknown key 'lake.rot'");
  }

  @Test
  void a_lake_root_that_cannot_be_written_exits_2_and_says_why() throws IOException {
    Path file = Files.writeString(dir.resolve("a-file"), "not a directory");

    CliRun run = cli("data", "load", "--conf", "lake.root=" + file.resolve("lake"));

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("Cannot write lake root " + file.resolve("lake") + ":").contains("Set lake.root");
  }

  @Test
  void a_usage_error_exits_2() {
    CliRun run = cli("data", "load", "--limt", "5");

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("Unknown options: '--limt'", "Possible solutions: --limit");
  }

  @Test
  void summary_json_records_success_and_failure_for_schedulers() throws IOException {
    try (TempLake lake = new TempLake()) {
      Path ok = dir.resolve("ok.json");
      Path failed = dir.resolve("failed.json");

      CliRun good = cli("sql", "select 41 + 1 as answer", "--conf", "lake.root=" + lake.root(), "--summary-json", ok.toString());
      CliRun bad = cli("sql", "select * from raw.missing", "--conf", "lake.root=" + lake.root(), "--summary-json", failed.toString());

      assertThat(good.exitCode()).isZero();
      assertThat(good.out()).contains("| answer |", "| 42     |", "1 row");
      JsonNode okSummary = new ObjectMapper().readTree(ok.toFile());
      assertThat(okSummary.get("command").asText()).isEqualTo("sql");
      assertThat(okSummary.get("status").asText()).isEqualTo("succeeded");
      assertThat(okSummary.get("exit_code").asInt()).isZero();
      assertThat(okSummary.at("/result/rows").asInt()).isEqualTo(1);

      assertThat(bad.exitCode()).isEqualTo(2);
      assertThat(bad.err()).contains("Cannot run the query:").contains("raw").contains("missing");
      JsonNode failedSummary = new ObjectMapper().readTree(failed.toFile());
      assertThat(failedSummary.get("status").asText()).isEqualTo("failed");
      assertThat(failedSummary.get("exit_code").asInt()).isEqualTo(2);
      assertThat(failedSummary.get("error").asText()).startsWith("Cannot run the query:");
    }
  }
}
