package io.treeline.jobs.monitor;

import static io.treeline.jobs.JobsTestSupport.cli;
import static io.treeline.jobs.JobsTestSupport.runJob;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.treeline.core.lake.TableName;
import io.treeline.core.testing.TempLake;
import io.treeline.core.testing.TestSpark;
import io.treeline.jobs.JobsTestSupport.CliRun;
import io.treeline.jobs.data.LoadData;
import io.treeline.jobs.runtime.JobContext;
import io.treeline.jobs.runtime.Progress;
import io.treeline.jobs.score.ScoringModel;
import io.treeline.registry.ModelRef;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
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
 * `treeline monitor` on the flights slice with a model trained on its first ten days, and an
 * inference log written by one batch scoring run over 30% of the flights of all fourteen days. The
 * log rows of the 13th then get origin_delays values that differ from the offline ones, as a broken
 * online pipeline would serve them. Drift is compared over the training period as one period: on a
 * 14-day slice a single day's trailing-window features (7-day counts still filling up, weekdays)
 * really do differ from the fortnight's, so a day is no "unshifted" control there.
 */
class MonitorJobTest {
  private static final Path CONF = Path.of("..", "conf").toAbsolutePath().normalize();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String MODEL = "delay-monitor";
  private static final String LABELS = "select flight_id, cast(arrival_delay > 15 as double) label from raw.flights";
  private static final String BROKEN_VIEW = "origin_delays";
  private static final String SAMPLE = "pmod(hash(flight_id), 10) < 3";
  private static TempLake lake;
  private static Path pipeline;

  @BeforeAll
  static void loggedLake() throws Exception {
    lake = new TempLake();
    lake.stageFlightsSlice();
    runJob(new LoadData(null, false), lake.config());
    pipeline = Files.createTempFile("delay-monitor", ".yaml");
    Files.writeString(pipeline, Files.readString(CONF.resolve("pipelines/flight-delay.yaml"))
        .replace("train_until: 2001-05-01", "train_until: 2001-01-10")
        .replace("validate_until: 2001-06-01", "validate_until: 2001-01-12")
        .replace("numTrees: 40", "numTrees: 8")
        .replace("min: 0.65", "min: 0.5")
        .replace("name: flight-delay\n", "name: " + MODEL + "\n"));
    succeeds(cli(args("features", "materialize")));
    succeeds(cli(args("train", "--pipeline", pipeline.toString(), "--promote-if-better", "auc")));
    // A deterministic 30% of the flights of all fourteen days, as a server would have seen them.
    succeeds(cli(args("score", "--model", MODEL + "@champion", "--sql", "select * from raw.flights where " + SAMPLE,
        "--event-time", "departure_time", "--out", "scores.as_they_were", "--keep", "flight_id", "--log-inferences")));
    // What a broken online pipeline would have served on the 13th: one view's numbers off by five minutes.
    TestSpark.session().sql("UPDATE delta.`" + lake.layout().table(LoggedPredictions.TABLE) + "` SET features = transform(features, f ->"
        + " IF(f.view = '" + BROKEN_VIEW + "' AND f.number IS NOT NULL, named_struct('name', f.name, 'view', f.view, 'source', f.source,"
        + " 'number', f.number + 5, 'text', f.text, 'feature_time', f.feature_time), f))"
        + " WHERE get_json_object(request, '$.departure_time') >= '2001-01-13'");
  }

  @AfterAll
  static void cleanUp() throws Exception {
    lake.close();
    Files.deleteIfExists(pipeline);
  }

  private static String[] args(String... command) {
    List<String> all = new ArrayList<>(List.of(command));
    all.addAll(List.of("--conf", "lake.root=" + lake.root(), "--conf", "features.dir=" + CONF.resolve("features"),
        "--conf", "pipelines.dir=" + CONF.resolve("pipelines")));
    return all.toArray(String[]::new);
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

    // Rerunning the range replaces it: the same rows, not twice as many.
    long[] before = {drift.count(), skew.count(), quality.count()};
    CliRun again = monitor("2001-01-01", "2001-01-13", "--granularity", "range", "--labels-sql", LABELS, "--label-key", "flight_id");
    assertThat(again.exitCode()).as(again.err()).isZero();
    assertThat(new long[] {table(MonitorTables.DRIFT).where(range).count(), table(MonitorTables.SKEW).where(range).count(),
        table(MonitorTables.QUALITY).where(range).count()}).containsExactly(before);

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
    List<String> hours = table(MonitorTables.SKEW).where("model_name = '" + MODEL + "' and period_start > '2001-01-13'")
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

    CliRun unknown = cli(args("monitor", "--model", "delay-monitr"));
    assertThat(unknown.exitCode()).isEqualTo(2);
    assertThat(unknown.err()).contains("Did you mean 'delay-monitor'?");

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
