package io.treeline.jobs.monitor;

import static io.treeline.jobs.JobsTestSupport.cli;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.treeline.core.testing.TempLake;
import io.treeline.core.testing.TestSpark;
import io.treeline.jobs.JobsTestSupport.CliRun;
import io.treeline.jobs.TrainedSlice;
import io.treeline.jobs.runtime.JobContext;
import io.treeline.jobs.runtime.Progress;
import io.treeline.jobs.serve.ServeModels;
import io.treeline.serving.ServingApp;
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
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Champion and challenger on live traffic: the trained slice's champion (8 trees) answers the flights
 * of its last three days through a real server while a truly worse challenger (5 trees of depth 3)
 * scores each of them in its shadow; then `models compare --live` joins the log to the flights'
 * outcomes and decides.
 */
class LiveComparisonTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String MODEL = TrainedSlice.MODEL;
  private static final String LABELS = "select origin, destination, replace(cast(departure_time as string), ' ', 'T') departure,"
      + " cast(arrival_delay > 15 as double) label from raw.flights";
  private static TempLake lake;
  private static int sent;

  @BeforeAll
  static void servedWithAShadow() throws Exception {
    lake = TrainedSlice.copy();
    Path weak = Files.writeString(lake.root().resolve("weak.yaml"), TrainedSlice.pipeline(MODEL, 5).replace("maxDepth: 8", "maxDepth: 3"));
    succeeds(cli(args("train", "--pipeline", weak.toString(), "--register")));
    succeeds(cli(args("models", "promote", MODEL, "--version", "2", "--alias", "challenger")));

    List<Map<String, Object>> flights = new ArrayList<>();
    TestSpark.session().sql("select origin, destination, distance, replace(cast(departure_time as string), ' ', 'T') departure from delta.`"
        + lake.layout().table(new io.treeline.core.lake.TableName("raw", "flights")) + "` where departure_date >= '2001-01-12'"
        + " order by departure_time, origin, destination").collectAsList()
        .forEach(r -> flights.add(new LinkedHashMap<>(Map.of("origin", r.getString(0), "destination", r.getString(1), "distance",
            ((Number) r.get(2)).doubleValue(), "departure", r.getString(3)))));
    try (JobContext context = new JobContext(lake.config(Map.of("features.dir", TrainedSlice.CONF.resolve("features").toString())),
        new PrintStream(java.io.OutputStream.nullOutputStream()), Progress.silent());
        ServingApp app = ServeModels.start(context, new ServeModels.Serving(List.of(MODEL + "@champion"), List.of(), List.of(MODEL + "=challenger"), null), 0)) {
      HttpClient http = HttpClient.newHttpClient();
      for (int i = 0; i < flights.size(); i += 100) {
        List<Map<String, Object>> records = flights.subList(i, Math.min(flights.size(), i + 100));
        HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create(app.baseUrl() + "/v1/models/" + MODEL + "/predict"))
            .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(Map.of("records", records))))
            .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        assertThat(answer.headers().firstValue("X-Treeline-Arm")).contains("champion");
        sent += records.size();
      }
    }
  }

  @AfterAll
  static void cleanUp() {
    lake.close();
  }

  @Test
  void a_truly_worse_challenger_is_not_promoted_and_a_truly_better_one_is() throws Exception {
    List<Row> logged = TestSpark.session().sql("select origin, arm, model_version, count(*) from delta.`" + lake.layout().table(LoggedPredictions.TABLE)
        + "` group by origin, arm, model_version order by origin").collectAsList();
    assertThat(logged).extracting(Row::toString).containsExactly("[online,champion,1," + sent + "]", "[shadow,challenger,2," + sent + "]");

    Path summary = lake.root().resolve("compare.json");
    CliRun worse = cli(args("models", "compare", "--live", MODEL, "champion", "challenger", "--labels-sql", LABELS, "--label-key",
        "origin,destination,departure", "--promote-if-better", "auc", "--summary-json", summary.toString()));
    succeeds(worse);
    System.out.println(worse.out()); // the table, for whoever reads the test's output
    assertThat(worse.out()).contains("AUC", "log loss", "calibration error", "paired on ", "Not promoted: AUC challenger (v2)", "challenger is worse",
        "95% CI");
    JsonNode result = JSON.readTree(summary.toFile()).get("result");
    assertThat(result.get("promoted").asBoolean()).isFalse();
    assertThat(result.at("/a/auc").asDouble()).isGreaterThan(result.at("/b/auc").asDouble());
    assertThat(result.at("/auc_difference/upper").asDouble()).as("the whole interval below zero").isNegative();
    assertThat(result.get("paired_records").asInt()).isEqualTo(result.at("/a/labelled").asInt()).isGreaterThan(sent / 2);
    assertThat(cli(args("models", "describe", MODEL + "@champion")).out()).contains("version:      1 ");

    // The other way round: the weak forest holds an alias and the strong one challenges it.
    succeeds(cli(args("models", "promote", MODEL, "--version", "2", "--alias", "incumbent")));
    succeeds(cli(args("models", "promote", MODEL, "--version", "1", "--alias", "contender")));
    CliRun better = cli(args("models", "compare", "--live", MODEL, "incumbent", "contender", "--labels-sql", LABELS, "--label-key",
        "origin,destination,departure", "--promote-if-better", "auc"));
    succeeds(better);
    assertThat(better.out()).contains("Promoted: AUC contender (v1)", "contender is better");
    assertThat(cli(args("models", "describe", MODEL + "@incumbent")).out()).contains("version:      1 ");
  }

  @Test
  void without_labels_or_with_the_same_version_twice_the_comparison_says_what_to_pass() {
    CliRun noLabels = cli(args("models", "compare", "--live", MODEL, "champion", "challenger"));
    assertThat(noLabels.exitCode()).isEqualTo(2);
    assertThat(noLabels.err()).contains("no labels", "--labels-sql");
    CliRun same = cli(args("models", "compare", "--live", MODEL, "champion", "1", "--labels-sql", LABELS, "--label-key", "origin"));
    assertThat(same.exitCode()).isEqualTo(2);
    assertThat(same.err()).contains("both name version 1");
    CliRun notLive = cli(args("models", "compare", MODEL, "champion", "challenger", "--promote-if-better", "auc"));
    assertThat(notLive.exitCode()).isEqualTo(2);
    assertThat(notLive.err()).contains("need --live");
  }

  private static String[] args(String... command) {
    return TrainedSlice.args(lake, command);
  }

  private static void succeeds(CliRun run) {
    assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
  }
}
