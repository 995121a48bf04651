package io.treeline.jobs.s3;

import static io.treeline.jobs.JobsTestSupport.cli;
import static org.assertj.core.api.Assertions.assertThat;

import io.treeline.core.testing.S3Lake;
import io.treeline.core.testing.S3Server;
import io.treeline.core.testing.TestSpark;
import io.treeline.jobs.JobsTestSupport.CliRun;
import io.treeline.jobs.data.FetchData;
import io.treeline.jobs.runtime.JobContext;
import io.treeline.jobs.runtime.Progress;
import io.treeline.jobs.serve.ServeModels;
import io.treeline.serving.ServingApp;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every stage of the platform with {@code lake.root=s3a://bucket/lake} on a real S3-compatible server
 * (S3Proxy on loopback): fetch, load, materialize, training set, train with registration and promotion,
 * the models commands, event files and a stream, push-online, and a served prediction.
 *
 * <p>Quickstart-sized, not the quickstart: `treeline quickstart` loads and trains on all 3,000,000 flights,
 * which takes many minutes even on a local disk. Here `data fetch` places the real files in the bucket,
 * then the committed 20,000-flight slice replaces the flights file (as TempLake.stageFlightsSlice does
 * locally) so the rest of the flow runs in a few minutes on the same code paths.
 */
class S3LakeEndToEndTest {
  private static final Path CONF = Path.of("..", "conf").toAbsolutePath().normalize();
  private static final String VIEWS_BUT_STREAMED = "origin_departures,origin_delays,destination_delays,route_delays,origin_airport,destination_airport";

  @TempDir Path dir;

  @Test
  void every_command_works_with_the_lake_on_s3() throws Exception {
    S3Lake lake = new S3Lake();
    Path localLake = Path.of("lake").toAbsolutePath();
    boolean localLakeExisted = Files.exists(localLake);
    List<CliRun> runs = new ArrayList<>();
    Path summary = dir.resolve("train-summary.json");

    CliRun fetch = run(runs, lake, "data", "fetch", "--conf", "data.cache-dir=" + FetchData.defaultCacheDir(""));
    assertThat(fetch.exitCode()).as(fetch.err()).isZero();
    assertThat(lake.keys("raw/")).contains("lake/raw/vega-datasets-3.2.1/flights-3m.parquet", "lake/raw/vega-datasets-3.2.1/airports.csv");
    lake.stageFlightsSlice();

    CliRun load = run(runs, lake, "data", "load");
    assertThat(load.exitCode()).as(load.err()).isZero();
    assertThat(load.out()).contains("raw.flights loaded (20,000 rows");

    List<String> materialize = new ArrayList<>(List.of("features", "materialize"));
    for (String view : VIEWS_BUT_STREAMED.split(",")) {
      materialize.addAll(List.of("--view", view));
    }
    CliRun materialized = run(runs, lake, materialize.toArray(String[]::new));
    assertThat(materialized.exitCode()).as(materialized.err()).isZero();
    assertThat(materialized.out()).contains("Materialized 6 views");

    CliRun training = run(runs, lake, "features", "training-set", "--spine",
        "select flight_id, origin, departure_time, cast(arrival_delay > 15 as int) as label from raw.flights",
        "--event-time", "departure_time", "--features", "origin_delays:avg_delay_24h,origin_airport", "--out", "training.s3_small");
    assertThat(training.exitCode()).as(training.err()).isZero();
    assertThat(lake.keys("tables/training/s3_small/_delta_log/")).isNotEmpty();

    CliRun trained = run(runs, lake, "--summary-json", summary.toString(), "train", "--pipeline", pipeline().toString(),
        "--promote-if-better", "auc");
    assertThat(trained.exitCode()).as(trained.out() + trained.err()).isZero();
    assertThat(trained.out()).contains("registered flight-delay-s3/1", "Promoted flight-delay-s3/1 to @champion");
    assertThat(lake.keys("models/flight-delay-s3/1/")).contains("lake/models/flight-delay-s3/1/MLmodel");
    assertThat(lake.keys("runs/")).anyMatch(key -> key.endsWith("report.html") || key.endsWith("metrics.json"));

    CliRun list = run(runs, lake, "models", "list", "flight-delay-s3");
    CliRun describe = run(runs, lake, "models", "describe", "flight-delay-s3@champion");
    CliRun promote = run(runs, lake, "models", "promote", "flight-delay-s3", "--version", "1", "--alias", "staging");
    assertThat(list.exitCode()).as(list.err()).isZero();
    assertThat(describe.exitCode()).as(describe.err()).isZero();
    assertThat(describe.out()).contains("source:       " + lake.root() + "/models/flight-delay-s3/1");
    assertThat(promote.exitCode()).as(promote.err()).isZero();
    assertThat(run(runs, lake, "models", "list", "flight-delay-s3").out()).contains("staging");

    String events = lake.root() + "/events/flights";
    CliRun replay = run(runs, lake, "replay", "--to-dir", events, "--from", "2001-01-13T00:00", "--until", "2001-01-13T08:00",
        "--events-per-file", "400");
    assertThat(replay.exitCode()).as(replay.err()).isZero();
    assertThat(lake.keys("events/flights/")).isNotEmpty();
    CliRun streamed = run(runs, lake, "stream", "--view", "origin_airport_stats", "--available-now");
    assertThat(streamed.exitCode()).as(streamed.out() + streamed.err()).isZero();
    assertThat(lake.keys("checkpoints/stream/")).isNotEmpty();
    assertThat(lake.keys("tables/features/origin_airport_stats/_delta_log/")).isNotEmpty();
    assertThat(TestSpark.table(lake.root() + "/tables/features/origin_airport_stats").count()).isPositive();
    CliRun status = run(runs, lake, "stream", "status");
    assertThat(status.exitCode()).as(status.err()).isZero();
    assertThat(status.out()).contains("origin_airport_stats");

    CliRun pushed = run(runs, lake, "features", "push-online");
    assertThat(pushed.exitCode()).as(pushed.err()).isZero();
    assertThat(lake.keys("tables/online/")).isNotEmpty();

    String answer = predict(lake, "{\"records\":[{\"origin\":\"ORD\",\"destination\":\"ATL\",\"departure\":\"2001-01-14T17:45:00\",\"distance\":606}]}");
    assertThat(answer).contains("\"registered_model\":\"flight-delay-s3\",\"version\":1", "\"label\":", "\"probability\":",
        "\"source\":\"online_store\"");

    runs.forEach(r -> assertThat(r.out() + r.err()).doesNotContain(S3Server.SECRET_KEY));
    assertThat(Files.readString(summary)).doesNotContain(S3Server.SECRET_KEY).contains("flight-delay-s3");
    if (!localLakeExisted) {
      assertThat(localLake).as("nothing goes to a local ./lake").doesNotExist();
    }
  }

  private static CliRun run(List<CliRun> runs, S3Lake lake, String... command) {
    List<String> args = new ArrayList<>(List.of(command));
    args.addAll(lake.confArgs());
    args.addAll(List.of("--conf", "features.dir=" + CONF.resolve("features"), "--conf", "pipelines.dir=" + CONF.resolve("pipelines")));
    long start = System.nanoTime();
    CliRun run = cli(args.toArray(String[]::new));
    // The stage times go to the test's output: the figures docs/operations.md and the report quote.
    System.out.printf("S3LakeEndToEndTest: treeline %s took %.1f s%n", String.join(" ", command), (System.nanoTime() - start) / 1e9);
    runs.add(run);
    return run;
  }

  /** The reference classifier on the 14-day slice, a small forest. */
  private Path pipeline() throws Exception {
    String text = Files.readString(CONF.resolve("pipelines/flight-delay.yaml"))
        .replace("train_until: 2001-05-01", "train_until: 2001-01-10")
        .replace("validate_until: 2001-06-01", "validate_until: 2001-01-12")
        .replace("numTrees: 40", "numTrees: 6")
        .replace("maxDepth: 8", "maxDepth: 6")
        .replace("min: 0.65", "min: 0.5")
        .replace("name: flight-delay\n", "name: flight-delay-s3\n");
    return Files.writeString(dir.resolve("flight-delay-s3.yaml"), text);
  }

  /** Serves flight-delay-s3@champion as `treeline serve` does, loading model and online values from the bucket. */
  private static String predict(S3Lake lake, String body) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    var config = lake.config(java.util.Map.of("features.dir", CONF.resolve("features").toString()));
    try (JobContext context = new JobContext(config, new PrintStream(out, true, StandardCharsets.UTF_8), Progress.silent());
        ServingApp app = ServeModels.start(context, List.of("flight-delay-s3@champion"), 0)) {
      HttpResponse<String> response = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create(app.baseUrl() + "/v1/models/flight-delay-s3/predict?explain=true"))
              .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      return response.body();
    }
  }
}
