package io.treeline.jobs.monitoring;

import static io.treeline.jobs.JobsTestSupport.cli;
import static org.assertj.core.api.Assertions.assertThat;

import io.treeline.core.testing.TempLake;
import io.treeline.core.testing.TestSpark;
import io.treeline.featurestore.stream.KafkaBroker;
import io.treeline.jobs.JobsTestSupport.CliRun;
import io.treeline.jobs.TrainedSlice;
import io.treeline.jobs.data.LoadData;
import io.treeline.jobs.runtime.JobContext;
import io.treeline.jobs.runtime.Progress;
import io.treeline.jobs.serve.ServeModels;
import io.treeline.serving.ServingApp;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every metric that conf/monitoring/alerts.yml and the Grafana dashboard use really exists: a real
 * server's /metrics after predictions and a refused request, and what a real Pushgateway holds after
 * batch jobs (data load, features materialize --online, train, score, monitor) and a Kafka stream pushed to it.
 */
class MonitoringMetricNamesTest {
  private static final Path CONF = Path.of("..", "conf").toAbsolutePath().normalize();
  private static final String VIEW = "origin_airport_stats";
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @TempDir Path dir;

  @Test
  void every_metric_of_the_rules_and_the_dashboard_is_served_or_pushed() throws Exception {
    // The trained slice (loaded, materialized, trained): each job below runs again on it, as little as still pushes its figures.
    try (PushgatewayServer gateway = PushgatewayServer.start(); KafkaBroker kafka = KafkaBroker.start();
        TempLake lake = TrainedSlice.copy(); TempLake streamLake = new TempLake(); TempLake emptyLake = new TempLake()) {
      Map<String, String> conf = new LinkedHashMap<>();
      conf.put("lake.root", lake.root().toString());
      conf.put("features.dir", CONF.resolve("features").toString());
      conf.put("pipelines.dir", CONF.resolve("pipelines").toString());
      conf.put("monitoring.pushgateway.url", gateway.url());
      conf.put("monitoring.pushgateway.instance", "nightly");
      conf.put("stream.kafka.bootstrap-servers", kafka.bootstrapServers());
      conf.put("stream.kafka.topic", "monitoring");
      conf.put("stream.kafka.max-offsets-per-trigger", "1500");
      conf.put("stream.trigger-seconds", "1");

      succeeds(cli(args(conf, "data", "load")));
      succeeds(cli(args(conf, "features", "materialize", "--online", "--view", "origin_delays")));
      succeeds(cli(args(conf, "train", "--pipeline", slicedPipeline().toString(), "--promote-if-better", "auc",
          "--training-set", "training.flight_delay")));
      // A day of batch predictions in the inference log, monitored with its labels: the monitor pushes its gauges.
      succeeds(cli(args(conf, "score", "--model", "flight-delay@champion", "--sql", "select * from raw.flights where departure_date = '2001-01-13'",
          "--event-time", "departure_time", "--out", "scores.monitored", "--keep", "flight_id", "--log-inferences")));
      CliRun monitored = cli(args(conf, "monitor", "--model", "flight-delay", "--labels-sql",
          "select flight_id, cast(arrival_delay > 15 as double) label from raw.flights", "--label-key", "flight_id"));
      assertThat(monitored.exitCode()).as(monitored.out() + monitored.err()).isIn(0, 1);
      assertThat(monitored.err()).doesNotContain("warning: Cannot push");
      kafka.createTopic("monitoring", 2);
      succeeds(cli(args(conf, "replay", "--topic", "monitoring", "--limit", "3000")));
      // The stream writes to a lake of its own whose raw.flights is empty, so every replayed event is new.
      TestSpark.session().read().format("delta").load(lake.layout().table(LoadData.FLIGHTS)).limit(0)
          .write().format("delta").save(streamLake.layout().table(LoadData.FLIGHTS));
      Map<String, String> streamConf = new LinkedHashMap<>(conf);
      streamConf.put("lake.root", streamLake.root().toString());
      succeeds(cli(args(streamConf, "stream", "--view", VIEW, "--available-now")));

      String served = servedMetrics(lake, conf);
      String pushed = gateway.scrape();

      Set<String> exposed = new TreeSet<>(MetricNames.inScrape(served));
      exposed.addAll(MetricNames.inScrape(pushed));
      MetricNames.Rules rules = MetricNames.rules(CONF.resolve("monitoring/alerts.yml"));
      List<String> expressions = new ArrayList<>(rules.expressions());
      expressions.addAll(MetricNames.dashboardExpressions(CONF.resolve("monitoring/grafana/treeline.json")));
      Set<String> used = new TreeSet<>();
      expressions.forEach(expr -> used.addAll(MetricNames.inExpression(expr)));
      used.removeAll(rules.recorded());

      assertThat(used).hasSizeGreaterThanOrEqualTo(32).contains("treeline_request_duration_seconds_bucket", "treeline_job_last_success_timestamp_seconds",
          "treeline_stream_lag_events", "treeline_online_view_last_write_timestamp_seconds");
      Set<String> missing = new TreeSet<>(used);
      missing.removeAll(exposed);
      assertThat(missing).as("metrics the rules or the dashboard use that neither serving nor a push exposes\n--- serving:\n" + served
          + "\n--- pushgateway:\n" + pushed).isEmpty();

      // What was pushed is what the jobs did, grouped by command and instance (origin_delays rewritten: the slice held version 0).
      assertThat(pushed).containsPattern("treeline_job_rows\\{command=\"data load\",instance=\"nightly\",job=\"treeline\",output=\"raw.flights\"} 20000\n")
          .containsPattern("treeline_job_delta_version\\{command=\"features materialize\",instance=\"nightly\",job=\"treeline\",output=\"features.origin_delays\"} 1\n")
          .containsPattern("treeline_job_rows\\{command=\"features materialize\",instance=\"nightly\",job=\"treeline\",output=\"online:origin_delays\"} [1-9]")
          .containsPattern("treeline_job_succeeded\\{command=\"train\",instance=\"nightly\",job=\"treeline\"} 1\n")
          .containsPattern("treeline_stream_events_total\\{command=\"stream\",instance=\"nightly\",job=\"treeline\",view=\"" + VIEW + "\"} [1-9]")
          .containsPattern("treeline_stream_lag_events\\{command=\"stream\",instance=\"nightly\",job=\"treeline\",view=\"" + VIEW + "\"} 0\n")
          .containsPattern("treeline_stream_running\\{command=\"stream\",instance=\"nightly\",job=\"treeline\",view=\"" + VIEW + "\"} 0\n");
      assertThat(served).containsPattern("treeline_feature_view_ttl_seconds\\{view=\"origin_delays\"} 604800\n")
          .containsPattern("treeline_model_load_failures_total\\{model=\"flight-delay\"} 0\n");

      // A failed run updates the outcome and keeps the last success's time and figures.
      Map<String, String> failing = new LinkedHashMap<>(conf);
      failing.put("lake.root", emptyLake.root().toString());
      CliRun failed = cli(args(failing, "data", "load"));
      assertThat(failed.exitCode()).as(failed.err()).isEqualTo(2);
      String after = gateway.scrape();
      assertThat(after).containsPattern("treeline_job_succeeded\\{command=\"data load\",instance=\"nightly\",job=\"treeline\"} 0\n")
          .containsPattern("treeline_job_exit_code\\{command=\"data load\",instance=\"nightly\",job=\"treeline\"} 2\n")
          .containsPattern("treeline_job_last_success_timestamp_seconds\\{command=\"data load\",instance=\"nightly\",job=\"treeline\"} \\d")
          .containsPattern("treeline_job_rows\\{command=\"data load\",instance=\"nightly\",job=\"treeline\",output=\"raw.flights\"} 20000\n");
    }
  }

  /** Serves the trained model, sends two good predictions and one refused request, and scrapes /metrics. */
  private static String servedMetrics(TempLake lake, Map<String, String> conf) throws Exception {
    Map<String, String> servingConf = new LinkedHashMap<>(conf);
    servingConf.put("serving.poll-interval-seconds", "0");
    servingConf.put("serving.shutdown-drain-seconds", "0");
    // A spool (the server's random port has none by default), so its series exist too.
    servingConf.put("serving.inference-log.spool-dir", lake.root().resolve("spool").toString());
    try (JobContext context = new JobContext(lake.config(servingConf), new PrintStream(OutputStream.nullOutputStream()), Progress.silent());
        // With a shadow (the same version pinned), so the shadow panels' series exist too.
        ServingApp app = ServeModels.start(context, new ServeModels.Serving(List.of("flight-delay@champion"), List.of(), List.of("flight-delay=1"), null), 0)) {
      String record = "{\"records\":[{\"origin\":\"SFO\",\"destination\":\"LAX\",\"departure\":\"2001-06-15T08:30:00\",\"distance\":337}]}";
      assertThat(post(app, "/v1/models/flight-delay/predict", record).statusCode()).isEqualTo(200);
      assertThat(post(app, "/invocations", "{\"dataframe_records\":[{\"origin\":\"SFO\",\"destination\":\"LAX\","
          + "\"departure\":\"2001-06-15T08:30:00\",\"distance\":337}]}").statusCode()).isEqualTo(200);
      assertThat(post(app, "/v1/models/flight-delay/predict", "{\"records\": [").statusCode()).isEqualTo(400);
      for (int i = 0; i < 600 && !scrape(app).contains("treeline_shadow_predictions_total{model=\"flight-delay\",arm=\"1\",outcome=\"scored\"} 2\n"); i++) {
        Thread.sleep(50);
      }
      return scrape(app);
    }
  }

  private static String scrape(ServingApp app) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(app.baseUrl() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
  }

  private static HttpResponse<String> post(ServingApp app, String path, String body) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(app.baseUrl() + path)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static void succeeds(CliRun run) {
    assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
    assertThat(run.err()).doesNotContain("warning: Cannot push");
  }

  private static String[] args(Map<String, String> conf, String... command) {
    List<String> all = new ArrayList<>(List.of(command));
    conf.forEach((key, value) -> all.addAll(List.of("--conf", key + "=" + value)));
    return all.toArray(String[]::new);
  }

  /** The reference classifier scaled to the 14-day slice (as the train tests do). */
  private Path slicedPipeline() throws java.io.IOException {
    String text = Files.readString(CONF.resolve("pipelines/flight-delay.yaml"))
        .replace("train_until: 2001-05-01", "train_until: 2001-01-10")
        .replace("validate_until: 2001-06-01", "validate_until: 2001-01-12")
        .replace("numTrees: 40", "numTrees: 6")
        .replace("min: 0.65", "min: 0.5");
    return Files.writeString(dir.resolve("flight-delay.yaml"), text);
  }
}
