package io.treeline.jobs.monitor;

import static io.treeline.jobs.JobsTestSupport.cli;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.treeline.core.lake.TableName;
import io.treeline.core.testing.TempLake;
import io.treeline.core.testing.TestSpark;
import io.treeline.jobs.JobsTestSupport.CliRun;
import io.treeline.jobs.TrainedSlice;
import io.treeline.jobs.runtime.JobContext;
import io.treeline.jobs.runtime.Progress;
import io.treeline.jobs.score.ScoringModel;
import io.treeline.jobs.serve.ServeModels;
import io.treeline.serving.ServingApp;
import io.treeline.registry.ModelRef;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * `treeline monitor` on the flights slice with a model trained on its first ten days (its pipeline's
 * monitoring: thresholds set apart from the settings' defaults), and an inference log written by one
 * batch scoring run over 30% of the flights of the first thirteen days. The log rows of the 13th then
 * get origin_delays values that differ from the offline ones, as a broken online pipeline would serve
 * them. On the 14th a real server answers the same sixty routes twice at two moments, reading the
 * embedded online store: once with origin_delays pushed as of two days earlier, once pushed right. Drift is compared over the training period as one period: on a
 * 14-day slice a single day's trailing-window features (7-day counts still filling up, weekdays)
 * really do differ from the fortnight's, so a day is no "unshifted" control there.
 */
class MonitorJobTest {
  private static final Path CONF = TrainedSlice.CONF;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String MODEL = TrainedSlice.MODEL;
  private static final String LABELS = "select flight_id, cast(arrival_delay > 15 as double) label from raw.flights";
  private static final String BROKEN_VIEW = "origin_delays";
  private static final String SAMPLE = "pmod(hash(flight_id), 10) < 3";
  /** Served traffic on the 14th, which batch scoring leaves out: a burst with one view pushed two days early, and one pushed right. */
  private static final String SERVED_BROKEN = "2001-01-14T09:00:30";
  private static final String SERVED_RIGHT = "2001-01-14T15:00:30";
  private static final int SERVED_RECORDS = 60;
  private static TempLake lake;

  @BeforeAll
  static void loggedLake() throws Exception {
    lake = TrainedSlice.copy();
    // The slice's online store holds the latest values, which the older pushes below would not replace: start it empty.
    try (java.util.stream.Stream<Path> online = Files.walk(Path.of(lake.layout().tablesRoot(), "online"))) {
      online.sorted(java.util.Comparator.reverseOrder()).forEach(file -> file.toFile().delete());
    }
    // A deterministic 30% of the flights of the first thirteen days, as a server would have seen them.
    succeeds(cli(args("score", "--model", MODEL + "@champion", "--sql", "select * from raw.flights where " + SAMPLE
        + " and departure_date < '2001-01-14'",
        "--event-time", "departure_time", "--out", "scores.as_they_were", "--keep", "flight_id", "--log-inferences")));
    // What a broken online pipeline would have served on the 13th: one view's numbers off by five minutes.
    TestSpark.session().sql("UPDATE delta.`" + lake.layout().table(LoggedPredictions.TABLE) + "` SET features = transform(features, f ->"
        + " IF(f.view = '" + BROKEN_VIEW + "' AND f.number IS NOT NULL, named_struct('name', f.name, 'view', f.view, 'source', f.source,"
        + " 'number', f.number + 5, 'text', f.text, 'feature_time', f.feature_time), f))"
        + " WHERE get_json_object(request, '$.departure_time') >= '2001-01-13'");

    // The same routes served twice by a real server reading the embedded online store, the inference log on: once with
    // origin_delays pushed as of two days before the requests (a push job run with the wrong --as-of), once with every view
    // pushed as of the requests' moment.
    List<Map<String, Object>> routes = new ArrayList<>();
    TestSpark.session().sql("select origin, destination, first(distance) distance from raw.flights where departure_date = '2001-01-14'"
        + " group by origin, destination order by count(*) desc, origin, destination limit " + SERVED_RECORDS).collectAsList()
        .forEach(r -> routes.add(Map.of("origin", r.getString(0), "destination", r.getString(1), "distance", ((Number) r.get(2)).doubleValue())));
    // The online store never replaces a newer value with an older one, so the early push must be the view's first.
    List<String> push = new ArrayList<>(List.of("features", "push-online", "--as-of", SERVED_BROKEN));
    List.of("origin_departures", "destination_delays", "route_delays", "origin_airport", "destination_airport")
        .forEach(view -> push.addAll(List.of("--view", view)));
    succeeds(cli(args(push.toArray(String[]::new))));
    succeeds(cli(args("features", "push-online", "--view", BROKEN_VIEW, "--as-of", SERVED_BROKEN.replace("-14T", "-12T"))));
    serve(routes, SERVED_BROKEN);
    succeeds(cli(args("features", "push-online", "--as-of", SERVED_RIGHT)));
    serve(routes, SERVED_RIGHT);
  }

  /** Asks a real server for every route's prediction at {@code departure}, ten records a request; closing it writes the log. */
  private static void serve(List<Map<String, Object>> routes, String departure) throws Exception {
    try (JobContext context = new JobContext(lake.config(Map.of("features.dir", CONF.resolve("features").toString())),
        new PrintStream(java.io.OutputStream.nullOutputStream()), Progress.silent());
        ServingApp app = ServeModels.start(context, List.of(MODEL + "@champion"), 0)) {
      HttpClient http = HttpClient.newHttpClient();
      for (int i = 0; i < routes.size(); i += 10) {
        List<Map<String, Object>> records = new ArrayList<>();
        routes.subList(i, Math.min(routes.size(), i + 10)).forEach(route -> {
          Map<String, Object> record = new java.util.LinkedHashMap<>(route);
          record.put("departure", departure);
          records.add(record);
        });
        HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create(app.baseUrl() + "/v1/models/" + MODEL + "/predict"))
            .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(Map.of("records", records))))
            .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
      }
    }
  }

  @AfterAll
  static void cleanUp() throws Exception {
    lake.close();
  }

  private static String[] args(String... command) {
    return TrainedSlice.args(lake, command);
  }

  private static void succeeds(CliRun run) {
    assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
  }

  private static Dataset<Row> table(TableName name) {
    return TestSpark.session().read().format("delta").load(lake.layout().table(name));
  }

  private static CliRun monitor(String since, String until, String... more) {
    List<String> command = new ArrayList<>(List.of("monitor", "--model", MODEL, "--since", since, "--until", until));
    command.addAll(List.of(more));
    return cli(args(command.toArray(String[]::new)));
  }

  /** Each input's PSI threshold (null: reported only). */
  private static Map<String, Double> thresholds(Dataset<Row> drift) {
    Map<String, Double> thresholds = new java.util.HashMap<>();
    drift.where("metric = 'psi'").select("feature", "threshold").collectAsList()
        .forEach(r -> thresholds.put(r.getString(0), r.isNullAt(1) ? null : r.getDouble(1)));
    return thresholds;
  }

  @Test
  void traffic_of_the_training_period_breaches_nothing_and_a_rerun_replaces_its_range() throws Exception {
    Path summary = Files.createTempFile("monitor", ".json");
    CliRun run = monitor("2001-01-01", "2001-01-13", "--granularity", "range", "--labels-sql", LABELS, "--label-key", "flight_id",
        "--summary-json", summary.toString());
    assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
    assertThat(run.out()).contains("Monitored " + MODEL + " version 1 from 2001-01-01T00:00 to 2001-01-13T00:00").contains("no threshold breached");
    JsonNode result = JSON.readTree(summary.toFile()).path("result");
    long logged = TestSpark.session().sql("select * from raw.flights where " + SAMPLE + " and departure_date < '2001-01-13'").count();
    assertThat(result.path("predictions").asLong()).isEqualTo(logged).isPositive();
    assertThat(result.path("breached").asBoolean()).isFalse();

    String range = "model_name = '" + MODEL + "' and period_start >= '2001-01-01' and period_start < '2001-01-13'";
    Dataset<Row> drift = table(MonitorTables.DRIFT).where(range);
    assertThat(drift.select("period_start").distinct().collectAsList()).map(r -> r.get(0).toString()).containsExactly("2001-01-01T00:00");
    assertThat(drift.where("metric = 'psi' and threshold is not null").select("feature").distinct().count()).isGreaterThan(20);
    assertThat(drift.where("breached").collectAsList()).isEmpty();
    // The batch scorer looked the features up with the very join the monitor recomputes: no difference at all.
    Dataset<Row> skew = table(MonitorTables.SKEW).where(range);
    assertThat(skew.where("metric = 'mismatch_share' and feature = '*'").select("view").distinct().count()).isEqualTo(6);
    assertThat(skew.where("metric = 'mismatch_share' and value != 0").collectAsList()).isEmpty();
    Dataset<Row> quality = table(MonitorTables.QUALITY).where(range);
    assertThat(quality.where("metric = 'auc'").count()).isEqualTo(1);
    assertThat(quality.where("metric = 'test_auc'").count()).isEqualTo(1);
    Path report = Path.of(result.path("report").asText());
    assertThat(Files.readString(report)).contains("## Breaches\n\nNone");
    assertThat(report.resolveSibling("drift_psi.png")).isNotEmptyFile();
    assertThat(report.resolveSibling("live_auc.png")).isNotEmptyFile();

    // The pipeline's monitoring: section, carried in the model package, beats the settings' defaults.
    double testAuc = quality.where("metric = 'test_auc'").first().<Double>getAs("value");
    assertThat(thresholds(drift)).containsEntry("distance", 0.3).containsEntry("origin_delays__avg_delay_24h", 0.35)
        .containsEntry("prediction", 0.35).containsEntry("departure_hour", null);
    assertThat(skew.where("metric = 'mismatch_share'").select("threshold").distinct().collectAsList()).map(r -> r.getDouble(0))
        .containsExactly(0.02);
    assertThat(quality.where("metric = 'auc'").first().<Double>getAs("threshold")).isCloseTo(testAuc - 0.08, within(1e-12));
    assertThat(result.at("/thresholds/1/sources/psi_threshold").asText()).isEqualTo("model package");

    // Rerunning the range replaces it: the same rows, not twice as many. This run also has a settings file, which only fills in
    // what the package leaves out, and --conf, which overrides the package.
    long[] before = {drift.count(), skew.count(), quality.count()};
    Path settings = Files.createTempFile("monitor-settings", ".yaml");
    Files.writeString(settings, "monitoring:\n  drift:\n    feature-thresholds: \"departure_hour=0.7,distance=0.9\"\n  skew:\n    threshold: \"0.9\"\n");
    CliRun again = monitor("2001-01-01", "2001-01-13", "--granularity", "range", "--labels-sql", LABELS, "--label-key", "flight_id",
        "--config", settings.toString(), "--conf", "monitoring.drift.psi-threshold=0.5", "--conf", "monitoring.quality.auc-margin=0.1");
    assertThat(again.exitCode()).as(again.err()).isZero();
    assertThat(new long[] {table(MonitorTables.DRIFT).where(range).count(), table(MonitorTables.SKEW).where(range).count(),
        table(MonitorTables.QUALITY).where(range).count()}).containsExactly(before);
    assertThat(thresholds(table(MonitorTables.DRIFT).where(range))).containsEntry("distance", 0.3).containsEntry("departure_hour", 0.7)
        .containsEntry("origin_delays__avg_delay_24h", 0.5).containsEntry("prediction", 0.5);
    assertThat(table(MonitorTables.SKEW).where(range + " and metric = 'mismatch_share'").select("threshold").distinct().collectAsList())
        .map(r -> r.getDouble(0)).containsExactly(0.02);
    assertThat(table(MonitorTables.QUALITY).where(range + " and metric = 'auc'").first().<Double>getAs("threshold"))
        .isCloseTo(testAuc - 0.1, within(1e-12));
    Files.delete(settings);

    CliRun sql = cli(args("sql", "select count(*) n from monitoring.drift where breached and model_name = '" + MODEL + "'"));
    assertThat(sql.exitCode()).as(sql.err()).isZero();
  }

  @Test
  void a_view_served_with_other_values_than_offline_is_the_skew_flagged_and_the_live_auc_is_exact() {
    CliRun run = monitor("2001-01-13", "2001-01-14", "--labels-sql", LABELS, "--label-key", "flight_id");
    assertThat(run.exitCode()).as(run.out() + run.err()).isEqualTo(1);
    assertThat(run.out()).containsPattern("monitoring\\.skew: \\d+ \\([a-z_0-9*]+ \\[" + BROKEN_VIEW + "] (mismatch|stale)_share");
    String day = "model_name = '" + MODEL + "' and period_start = '2001-01-13'";
    Dataset<Row> skew = table(MonitorTables.SKEW).where(day);
    assertThat(skew.where("breached").select("view").distinct().collectAsList()).map(r -> r.getString(0)).containsExactly(BROKEN_VIEW);
    assertThat(skew.where("metric = 'mismatch_share' and feature = '*' and view = '" + BROKEN_VIEW + "'").first().<Double>getAs("value"))
        .isGreaterThan(0.5);
    assertThat(skew.where("metric = 'mean_abs_diff' and view = '" + BROKEN_VIEW + "' and feature != '*'").collectAsList())
        .isNotEmpty().allSatisfy(r -> assertThat(r.<Double>getAs("value")).isCloseTo(5.0, within(1e-6)));
    assertThat(skew.where("metric = 'mismatch_share' and view != '" + BROKEN_VIEW + "' and value != 0").count()).isZero();

    // By the hour from a moment inside a day: periods are whole hours from the range's start, and replace only their range.
    long daily = skew.count();
    CliRun evening = monitor("2001-01-13T18:30", "2001-01-14", "--granularity", "hour");
    assertThat(evening.exitCode()).as(evening.out() + evening.err()).isEqualTo(1);
    List<String> hours = table(MonitorTables.SKEW).where("model_name = '" + MODEL + "' and period_start > '2001-01-13' and period_start < '2001-01-14'")
        .select("period_start").distinct().orderBy("period_start").collectAsList().stream().map(r -> r.get(0).toString()).toList();
    assertThat(hours).hasSizeGreaterThan(2).first().isEqualTo("2001-01-13T18:30");
    assertThat(hours.subList(1, hours.size())).allSatisfy(h -> assertThat(h).matches("2001-01-13T(19|2\\d):00"));
    assertThat(table(MonitorTables.SKEW).where(day).count()).as("the day's own figures are kept").isEqualTo(daily);

    // The live AUC is exactly the share of (positive, negative) pairs ranked right, ties counting half, counted here pair by pair.
    List<Row> pairs = TestSpark.session().sql("select l.probability, cast(f.arrival_delay > 15 as double) label from delta.`"
        + lake.layout().table(LoggedPredictions.TABLE) + "` l join raw.flights f on get_json_object(l.request, '$.flight_id') = cast(f.flight_id as string)"
        + " where l.model_name = '" + MODEL + "' and get_json_object(l.request, '$.departure_date') = '2001-01-13'").collectAsList();
    List<Double> positives = new ArrayList<>();
    List<Double> negatives = new ArrayList<>();
    pairs.forEach(r -> (r.getDouble(1) > 0.5 ? positives : negatives).add(r.getDouble(0)));
    double right = 0;
    for (double p : positives) {
      for (double n : negatives) {
        right += p > n ? 1 : p == n ? 0.5 : 0;
      }
    }
    double expected = right / ((double) positives.size() * negatives.size());
    Row auc = table(MonitorTables.QUALITY).where(day + " and metric = 'auc'").first();
    assertThat(auc.<Long>getAs("rows")).isEqualTo(pairs.size());
    assertThat(auc.<Double>getAs("value")).isCloseTo(expected, within(1e-9));
  }

  @Test
  void a_served_view_pushed_online_as_of_the_wrong_moment_is_the_only_skew_and_a_right_push_has_none() {
    String minute = SERVED_BROKEN.substring(0, 16);
    CliRun broken = monitor(minute, minute.replace(":00", ":01"), "--granularity", "range");
    assertThat(broken.exitCode()).as(broken.out() + broken.err()).isEqualTo(1);
    assertThat(broken.out()).contains(SERVED_RECORDS + " predictions").containsPattern("monitoring\\.skew: \\d+ \\([a-z_0-9*]+ \\[" + BROKEN_VIEW + "]");
    Dataset<Row> skew = table(MonitorTables.SKEW).where("model_name = '" + MODEL + "' and period_start = '" + minute + "'");
    assertThat(skew.where("breached").select("view").distinct().collectAsList()).map(r -> r.getString(0)).containsExactly(BROKEN_VIEW);
    Dataset<Row> perView = skew.where("metric = 'mismatch_share' and feature = '*'");
    assertThat(perView.select("view").distinct().count()).isEqualTo(6);
    assertThat(perView.where("rows != " + SERVED_RECORDS).collectAsList()).as("each served record compared once per view").isEmpty();
    assertThat(perView.where("view = '" + BROKEN_VIEW + "'").first().<Double>getAs("value")).isGreaterThan(0.5);
    assertThat(skew.where("metric = 'mismatch_share' and view != '" + BROKEN_VIEW + "' and value != 0").collectAsList()).isEmpty();

    minute = SERVED_RIGHT.substring(0, 16);
    CliRun right = monitor(minute, minute.replace(":00", ":01"), "--granularity", "range");
    assertThat(right.exitCode()).as(right.out() + right.err()).isZero();
    assertThat(right.out()).contains(SERVED_RECORDS + " predictions", "no threshold breached");
    skew = table(MonitorTables.SKEW).where("model_name = '" + MODEL + "' and period_start = '" + minute + "'");
    assertThat(skew.where("metric = 'mismatch_share' and feature = '*'").select("view").distinct().count()).isEqualTo(6);
    assertThat(skew.where("metric in ('mismatch_share', 'stale_share') and value != 0").collectAsList()).isEmpty();
  }

  @Test
  void every_injected_shift_is_caught_and_no_other_input_flagged_across_seeds() {
    SparkSession spark = TestSpark.session();
    ByteArrayOutputStream sink = new ByteArrayOutputStream();
    try (JobContext context = new JobContext(lake.config(Map.of("features.dir", CONF.resolve("features").toString())),
        new PrintStream(sink, true, StandardCharsets.UTF_8), Progress.silent())) {
      ScoringModel model = ScoringModel.load(spark, context.registry(), context.layout(),
          context.registry().resolve(ModelRef.ofVersion(MODEL, 1)));
      DriftCheck check = new DriftCheck(MonitorThresholds.driftInputs(model, 0.2, Map.of()));
      Dataset<Row> reference = TrainingReference.load(spark, context.layout(), model, 200_000).cache();
      MonitorRange days = new MonitorRange(LocalDateTime.parse("2001-01-01T00:00"), LocalDateTime.parse("2001-01-13T00:00"),
          MonitorRange.Granularity.RANGE);
      Dataset<Row> served = ServedValues.fromLog(LoggedPredictions.withPeriod(LoggedPredictions.of(LoggedPredictions.log(spark, context.layout())
          .where("model_name = '" + MODEL + "'"), model.manifest(), days), days), true).cache();
      List<String[]> shifts = List.of(new String[] {"distance", "number * 1.5"},
          new String[] {"origin_departures__departures_24h", "number * 1.5"}, new String[] {"route_delays__avg_delay_7d", "number + 15"});
      for (int seed = 0; seed < shifts.size(); seed++) {
        String feature = shifts.get(seed)[0];
        Dataset<Row> sample = served.sample(false, 0.5, seed)
            .selectExpr("period_start", "name", "IF(name = '" + feature + "', " + shifts.get(seed)[1] + ", number) number", "text");
        List<MonitorFigure> figures = check.run(reference, sample, MODEL, 1).figures();
        Set<String> flagged = new TreeSet<>();
        figures.stream().filter(MonitorFigure::breached).forEach(f -> flagged.add(f.feature()));
        assertThat(flagged).as("seed %d, %s shifted", seed, feature).containsExactly(feature);
        assertThat(figures.stream().filter(f -> f.feature().equals(feature) && f.metric().equals("psi")).count())
            .as("one PSI for the range").isEqualTo(1);
      }
      reference.unpersist();
      served.unpersist();
    }
  }

  @Test
  void nothing_to_monitor_is_a_usage_error_saying_what_to_run() {
    CliRun help = cli("monitor", "--help");
    assertThat(help.exitCode()).isZero();
    assertThat(help.out()).contains("Usage: treeline monitor", "--labels-sql=QUERY", "--granularity=day|hour|range", "Exit 0 when no threshold");
    // picocli wraps at dots and dashes too: compare without any white space.
    assertThat(help.out().replaceAll("\\s+", "")).contains("givenwith--conf(orTREELINE_MONITORING_*variables)overridethepackage",
        "ortoday-1d:midnightadayago");

    CliRun unknown = cli(args("monitor", "--model", "flight-delai"));
    assertThat(unknown.exitCode()).isEqualTo(2);
    assertThat(unknown.err()).contains("Did you mean 'flight-delay'?");

    CliRun empty = monitor("2001-03-01", "2001-03-02");
    assertThat(empty.exitCode()).isEqualTo(2);
    assertThat(empty.err()).contains("the inference log holds no predictions of it from 2001-03-01T00:00 to 2001-03-02T00:00");

    CliRun week = monitor("2001-01-05", "2001-01-06", "--granularity", "week");
    assertThat(week.exitCode()).isEqualTo(2);
    assertThat(week.err()).contains("'week' is not a granularity").contains("Pass --granularity day, hour or range.");

    CliRun labelsWithoutKey = monitor("2001-01-05", "2001-01-06", "--labels-sql", LABELS);
    assertThat(labelsWithoutKey.exitCode()).isEqualTo(2);
    assertThat(labelsWithoutKey.err()).contains("--label-key is missing");
  }
}
