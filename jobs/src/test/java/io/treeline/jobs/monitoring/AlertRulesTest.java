package io.treeline.jobs.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** conf/monitoring/alerts.yml checked and unit-tested by the real promtool (Debian's prometheus package; bin/test installs it). */
class AlertRulesTest {
  static final Path MONITORING = Path.of("..", "conf", "monitoring").toAbsolutePath().normalize();

  @TempDir Path dir;

  record Run(int exitCode, String output) {}

  static Run promtool(Path workDir, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("promtool"));
    command.addAll(List.of(args));
    Process process;
    try {
      process = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new IllegalStateException("promtool is not on the PATH: run bin/test, which installs it (apt-get install prometheus)", e);
    }
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(2, TimeUnit.MINUTES)).as("promtool finished").isTrue();
    return new Run(process.exitValue(), output);
  }

  @Test
  void promtool_checks_the_rules() throws Exception {
    Run run = promtool(MONITORING, "check", "rules", "alerts.yml");

    assertThat(run.exitCode()).as(run.output()).isZero();
    assertThat(run.output()).contains("SUCCESS: 18 rules found");
  }

  @Test
  void the_rule_unit_tests_pass() throws Exception {
    Run run = promtool(MONITORING, "test", "rules", "alerts.test.yml");

    assertThat(run.exitCode()).as(run.output()).isZero();
    assertThat(run.output()).contains("SUCCESS");
  }

  @Test
  void the_unit_tests_catch_a_changed_threshold() throws Exception {
    String rules = Files.readString(MONITORING.resolve("alerts.yml"));
    String loosened = rules.replace("expr: treeline:prediction_error_ratio:rate5m > 0.05", "expr: treeline:prediction_error_ratio:rate5m > 0.5");
    assertThat(loosened).isNotEqualTo(rules);
    Files.writeString(dir.resolve("alerts.yml"), loosened);
    Files.copy(MONITORING.resolve("alerts.test.yml"), dir.resolve("alerts.test.yml"));

    Run run = promtool(dir, "test", "rules", "alerts.test.yml");

    assertThat(run.exitCode()).isNotZero();
    assertThat(run.output()).contains("FAILED").contains("alertname: TreelineServingErrorRate");
  }

  @Test
  void every_query_of_the_dashboard_is_valid_promql() throws Exception {
    // promtool parses recording rules' expressions, so each dashboard query goes into one for it to check.
    List<String> expressions = MetricNames.dashboardExpressions(MONITORING.resolve("grafana/treeline.json"));
    StringBuilder rules = new StringBuilder("groups:\n  - name: dashboard\n    rules:\n");
    for (int i = 0; i < expressions.size(); i++) {
      rules.append("      - record: dashboard:query_").append(i).append("\n        expr: ")
          .append(new ObjectMapper().writeValueAsString(expressions.get(i))).append('\n');
    }
    Files.writeString(dir.resolve("dashboard.yml"), rules);

    Run run = promtool(dir, "check", "rules", "dashboard.yml");

    assertThat(expressions).hasSizeGreaterThan(30);
    assertThat(run.exitCode()).as(run.output()).isZero();
    assertThat(run.output()).contains("SUCCESS: " + expressions.size() + " rules found");
  }

  @Test
  void the_dashboard_has_a_row_each_for_serving_streaming_batch_jobs_and_models_and_no_panel_without_a_query() throws IOException {
    JsonNode dashboard = new ObjectMapper().readTree(MONITORING.resolve("grafana/treeline.json").toFile());
    List<String> rows = new ArrayList<>();
    Set<Integer> ids = new TreeSet<>();
    for (JsonNode panel : dashboard.path("panels")) {
      assertThat(ids.add(panel.path("id").asInt())).as("panel ids are unique: " + panel.path("title")).isTrue();
      if (panel.path("type").asText().equals("row")) {
        rows.add(panel.path("title").asText());
      } else {
        assertThat(panel.path("targets")).as(panel.path("title").asText()).isNotEmpty();
        assertThat(panel.path("datasource").path("uid").asText()).isEqualTo("${datasource}");
      }
    }
    assertThat(rows).containsExactly("Serving", "Streaming", "Batch jobs", "Models");
    assertThat(dashboard.path("templating").path("list").get(0).path("type").asText()).isEqualTo("datasource");
  }

  @Test
  void every_alert_has_a_unit_test_where_it_fires_and_one_where_it_does_not() throws IOException {
    JsonNode tests = new ObjectMapper(new YAMLFactory()).readTree(MONITORING.resolve("alerts.test.yml").toFile());
    Set<String> fires = new TreeSet<>();
    Set<String> silent = new TreeSet<>();
    for (JsonNode test : tests.path("tests")) {
      for (JsonNode check : test.path("alert_rule_test")) {
        (check.path("exp_alerts").isEmpty() ? silent : fires).add(check.path("alertname").asText());
      }
    }
    Set<String> alerts = new TreeSet<>();
    new ObjectMapper(new YAMLFactory()).readTree(MONITORING.resolve("alerts.yml").toFile()).path("groups")
        .forEach(group -> group.path("rules").forEach(rule -> {
          if (rule.has("alert")) {
            alerts.add(rule.path("alert").asText());
          }
        }));

    assertThat(alerts).hasSize(16);
    assertThat(fires).isEqualTo(alerts);
    assertThat(silent).isEqualTo(alerts);
  }

  @Test
  void metric_names_are_told_apart_from_functions_labels_keywords_and_numbers() {
    assertThat(MetricNames.inExpression("""
        histogram_quantile(0.99, sum by (job, le) (rate(a_seconds_bucket{route=~"v1|x", le!="1e3"}[5m] offset 1h)))
          / on(job) group_left(model) b_total > bool 1e3 and c:recorded:rate5m unless ignoring(view) (time() - d_timestamp_seconds)
          or label_replace(e, "dst", "$1", "src", "(.*)") > $threshold
        """)).containsExactlyInAnyOrder("a_seconds_bucket", "b_total", "c:recorded:rate5m", "d_timestamp_seconds", "e");
  }
}
