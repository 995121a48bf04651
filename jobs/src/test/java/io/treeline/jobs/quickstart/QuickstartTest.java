package io.treeline.jobs.quickstart;

import static io.treeline.jobs.JobsTestSupport.cli;
import static org.assertj.core.api.Assertions.assertThat;

import io.treeline.core.testing.TempLake;
import io.treeline.core.testing.TestSpark;
import io.treeline.jobs.JobsTestSupport.CliRun;
import io.treeline.jobs.data.FetchData;
import io.treeline.jobs.notebooks.Notebooks;
import io.treeline.jobs.runtime.JobContext;
import io.treeline.jobs.runtime.Progress;
import io.treeline.jobs.serve.ServeModels;
import io.treeline.serving.ServingApp;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The README's first command, end to end on a tenth of the flights ({@code --sample 0.1}: every stage, in about half the
 * time of all 3,000,000; the data from the download cache bin/test fills), then the notebooks of notebooks/ on the lake it
 * wrote: one quickstart serves both, it takes minutes.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class QuickstartTest {
  /** The flights whose id hashes into the sample: the same on every run and machine. */
  private static final String SAMPLED_FLIGHTS = "299,487";

  private final TempLake lake = new TempLake();
  private CliRun first;

  @BeforeAll
  void quickstart() {
    String cache = FetchData.defaultCacheDir("").toString();
    first = cli("quickstart", "--sample", "0.1", "--conf", "lake.root=" + lake.root(), "--conf", "data.cache-dir=" + cache,
        "--conf", "features.dir=../conf/features", "--conf", "pipelines.dir=../conf/pipelines");
  }

  @AfterAll
  void removeLake() {
    lake.close();
  }

  @Test
  @Order(1)
  void fetches_and_loads_a_tenth_of_the_flights_and_a_rerun_changes_nothing() {
    CliRun again = cli("data", "load", "--sample", "0.1", "--conf", "lake.root=" + lake.root());

    assertThat(first.exitCode()).as(first.err()).isZero();
    assertThat(first.out()).contains("[1] data fetch", "[2] data load", "raw.flights loaded (" + SAMPLED_FLIGHTS + " rows",
        "[3] features materialize", "Materialized 6 views", "[4] features push-online",
        "Pushed 6 views to the embedded online store", "[5] train flight-delay (10% sample)", "Trained flight-delay: test AUC",
        "registered flight-delay/1", "Promoted flight-delay/1 to @champion",
        "[6] train a challenger (flight-delay with 5 trees of depth 3) on the same training set, register as flight-delay@challenger",
        "trained on training.flight_delay, built earlier from ", "registered flight-delay/2",
        "[7] score the flights of 2001-06-30 with flight-delay@champion into scores.flight_delay",
        "rows with flight-delay/1 into scores.flight_delay (replace-where=departure_date = '2001-06-30')",
        "[8] score the flights of 2001-06-30 with flight-delay@challenger into scores.flight_delay_challenger",
        "[9] stream origin_airport_stats from event files", "replaying the flights of 2001-06-30T12:00 to 2001-06-30T16:00",
        "events-000002.json written; online", "ms later:  ORD landed_1h", "events-000004.json written; online",
        "micro-batches into features.origin_airport_stats, and through the online lane into the online store (p99", "0 dead letters)",
        "[10] serve flight-delay@champion and predict through each protocol", "POST /v1/models/flight-delay/predict",
        "\"model\":\"flight-delay\",\"registered_model\":\"flight-delay\",\"version\":1,\"arm\":\"champion\",\"predictions\":[{\"label\":",
        "\"source\":\"online_store\"", "POST /invocations", "{\"predictions\":[", "POST /v2/models/flight-delay/infer",
        "\"model_name\":\"flight-delay\",\"model_version\":\"1\"", "served flight-delay version 1",
        "logged 7 predictions to monitoring.inference_log", "Next, try:", "models compare --live flight-delay champion challenger");
    CliRun champion = cli("models", "describe", "flight-delay@champion", "--conf", "lake.root=" + lake.root());
    assertThat(champion.out()).contains("version:      1 (READY)", "source:       " + lake.root() + "/models/flight-delay/1");
    // The issue's own check: the day's scores, read back with treeline sql.
    CliRun scores = cli("sql", "select count(*) n, count(distinct flight_id) flights, min(model_version) v from scores.flight_delay",
        "--format", "csv", "--conf", "lake.root=" + lake.root());
    assertThat(scores.exitCode()).as(scores.err()).isZero();
    long june30 = TestSpark.table(lake.root() + "/tables/raw/flights").where("departure_date = '2001-06-30'").count();
    assertThat(scores.out()).contains(june30 + "," + june30 + ",1");
    liveComparisonOfTheLoggedScores(june30);
    assertThat(again.exitCode()).as(again.err()).isZero();
    assertThat(again.out()).contains("raw.flights already up to date (" + SAMPLED_FLIGHTS + " rows, Delta version 0)");
    assertThat(TestSpark.table(lake.root() + "/tables/raw/flights").count()).isEqualTo(Long.parseLong(SAMPLED_FLIGHTS.replace(",", "")));
    // The tour's 7 records (2 + 1 explained + 2 + 2), each a row of the server's inference log, queryable by name.
    assertThat(cli("sql", "select origin, route, count(*) from monitoring.inference_log group by origin, route order by route",
        "--conf", "lake.root=" + lake.root()).out()).contains("/invocations", "/v1/models/{name}/predict", "/v2/models/{name}/infer");
    // The streamed view continues the batch history: at 16:00 its 24h windows hold the day's landed flights.
    assertThat(TestSpark.table(lake.root() + "/tables/online/origin_airport_stats").where("origin = 'ORD'").first().<Long>getAs("landed_24h"))
        .isGreaterThan(100);
  }

  @Test
  @Order(2)
  void the_notebooks_run_headless_on_the_quickstart_lake_and_server() {
    assertThat(first.exitCode()).as(first.err()).isZero();
    juneScoredWithOneViewStopped();

    ByteArrayOutputStream served = new ByteArrayOutputStream();
    try (JobContext context = new JobContext(lake.config(Map.of()), new PrintStream(served, true, StandardCharsets.UTF_8), Progress.silent());
        ServingApp app = ServeModels.start(context, List.of("flight-delay@champion"), 0)) {
      Notebooks.Execution run = Notebooks.executeAll("quickstart",
          Map.of("TREELINE_LAKE_ROOT", lake.root().toString(), "TREELINE_SERVING_URL", app.baseUrl()), 15);

      assertThat(run.exitCode()).as(run.output()).isZero();
      assertThat(run.output()).contains("ok 01-explore-features.ipynb", "ok 02-training-runs-and-models.ipynb", "ok 03-serving-api.ipynb",
          "ok 04-model-monitoring.ipynb");
    }
    assertThat(Notebooks.outputs("quickstart", "01-explore-features.ipynb"))
        .contains("features.origin_delays", "label balance", "latest origin_delays row before it");
    assertThat(Notebooks.outputs("quickstart", "02-training-runs-and-models.ipynb"))
        .contains("aliases: version 1: champion; version 2: challenger", "2 - 1", "test_auc").doesNotContain("only one registered version");
    assertThat(Notebooks.outputs("quickstart", "03-serving-api.ipynb"))
        .contains("served by flight-delay version 1", "/invocations and /v1 agree on 100.0%");
    assertThat(Notebooks.outputs("quickstart", "04-model-monitoring.ipynb"))
        .contains("of flight-delay version 2", "skew over threshold in: route_delays\n")
        .containsPattern("route_delays +skew from 2001-06-(19|2\\d)").containsPattern("origin_delays +no skew").containsPattern("live AUC over \\d\\d days");
  }

  /**
   * `models compare --live` on June 30 as both versions scored and logged it: the challenger (5 trees of depth 3) is
   * truly worse, so it is not promoted; the other way round, the champion's forest is better and is promoted (and
   * rolled back, leaving the aliases as the notebooks expect them).
   */
  private void liveComparisonOfTheLoggedScores(long june30) {
    String[] labels = {"--labels-sql", "select flight_id, cast(arrival_delay > 15 as double) label from raw.flights", "--label-key", "flight_id",
        "--conf", "lake.root=" + lake.root()};
    CliRun worse = cli(concat(new String[] {"models", "compare", "--live", "flight-delay", "champion", "challenger", "--promote-if-better", "auc"}, labels));
    assertThat(worse.exitCode()).as(worse.out() + worse.err()).isZero();
    assertThat(worse.out()).contains("A champion (v1)", "B challenger (v2)", "logged predictions", "AUC", "log loss", "calibration error",
            "Not promoted: AUC challenger (v2)", "challenger is worse", "95% CI")
        .containsPattern("labelled +" + june30 + " +" + june30 + " +paired on " + june30 + " records");
    CliRun better = cli(concat(new String[] {"models", "compare", "--live", "flight-delay", "challenger", "champion", "--promote-if-better", "auc"},
        labels));
    assertThat(better.exitCode()).as(better.out() + better.err()).isZero();
    assertThat(better.out()).contains("Promoted: AUC champion (v1)", "champion is better", "flight-delay@challenger");
    CliRun back = cli("models", "rollback", "flight-delay", "--alias", "challenger", "--conf", "lake.root=" + lake.root());
    assertThat(back.exitCode()).as(back.err()).isZero();
    assertThat(cli("models", "describe", "flight-delay@challenger", "--conf", "lake.root=" + lake.root()).out()).contains("version:      2 ");

    CliRun noLabels = cli("models", "compare", "--live", "flight-delay", "champion", "challenger", "--conf", "lake.root=" + lake.root());
    assertThat(noLabels.exitCode()).isEqualTo(2);
    assertThat(noLabels.err()).contains("no labels", "--labels-sql");
    CliRun same = cli(concat(new String[] {"models", "compare", "--live", "flight-delay", "champion", "1"}, labels));
    assertThat(same.exitCode()).isEqualTo(2);
    assertThat(same.err()).contains("both name version 1");
    CliRun notLive = cli("models", "compare", "flight-delay", "champion", "challenger", "--promote-if-better", "auc", "--conf", "lake.root=" + lake.root());
    assertThat(notLive.exitCode()).isEqualTo(2);
    assertThat(notLive.err()).contains("need --live");
  }

  private static String[] concat(String[] a, String[] b) {
    String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, all, a.length, b.length);
    return all;
  }

  /**
   * The monitoring notebook's demonstration: version 2 scores a 1% sample of June into the inference log while
   * route_delays' offline table is stuck before June 20 (its later partitions removed, as a stopped job leaves it),
   * the table is restored, and `treeline monitor` must flag skew for that view alone.
   */
  private void juneScoredWithOneViewStopped() {
    String routeDelays = lake.root() + "/tables/features/route_delays";
    long intact = TestSpark.session().sql("DESCRIBE HISTORY delta.`" + routeDelays + "` LIMIT 1").first().getLong(0);
    TestSpark.session().sql("DELETE FROM delta.`" + routeDelays + "` WHERE feature_date >= '2001-06-20'");
    CliRun scored = cli("score", "--model", "flight-delay/2", "--sql",
        "select * from raw.flights where departure_date >= '2001-06-01' and pmod(hash(flight_id), 100) = 0", "--event-time", "departure_time",
        "--out", "scores.june_sample", "--keep", "flight_id", "--log-inferences", "--conf", "lake.root=" + lake.root(),
        "--conf", "features.dir=../conf/features");
    TestSpark.session().sql("RESTORE TABLE delta.`" + routeDelays + "` TO VERSION AS OF " + intact);
    assertThat(scored.exitCode()).as(scored.out() + scored.err()).isZero();
    CliRun monitored = cli("monitor", "--model", "flight-delay", "--version", "2", "--since", "2001-06-01", "--until", "2001-07-01",
        "--labels-sql", "select flight_id, cast(arrival_delay > 15 as double) label from raw.flights", "--label-key", "flight_id",
        "--conf", "lake.root=" + lake.root(), "--conf", "features.dir=../conf/features");
    assertThat(monitored.exitCode()).as(monitored.out() + monitored.err()).isEqualTo(1);
    assertThat(monitored.out()).contains("monitoring.skew: ").containsPattern("monitoring\\.skew: \\d+ \\([a-z_0-9*]+ \\[route_delays]");
    assertThat(TestSpark.table(lake.root() + "/tables/monitoring/skew").where("breached and model_version = 2").select("view").distinct()
        .collectAsList()).map(r -> r.getString(0)).containsExactly("route_delays");
  }
}
