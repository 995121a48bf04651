package io.treeline.jobs.features;

import static io.treeline.jobs.JobsTestSupport.cli;
import static io.treeline.jobs.JobsTestSupport.runJob;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.treeline.core.testing.TempLake;
import io.treeline.core.testing.TestSpark;
import io.treeline.jobs.JobsTestSupport.CliRun;
import io.treeline.jobs.data.LoadData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The features commands on the shipped views and the flights slice. */
class FeaturesCommandTest {
  private static final String FEATURES_DIR = Path.of("..", "conf", "features").toAbsolutePath().normalize().toString();
  private static TempLake lake;

  @TempDir Path dir;

  @BeforeAll
  static void loadSlice() {
    lake = new TempLake();
    lake.stageFlightsSlice();
    runJob(new LoadData(null, null, false), lake.config());
  }

  @AfterAll
  static void cleanUp() {
    lake.close();
  }

  private static String[] args(String... command) {
    String[] all = new String[command.length + 4];
    System.arraycopy(command, 0, all, 0, command.length);
    all[command.length] = "--conf";
    all[command.length + 1] = "lake.root=" + lake.root();
    all[command.length + 2] = "--conf";
    all[command.length + 3] = "features.dir=" + FEATURES_DIR;
    return all;
  }

  @Test
  void validate_passes_on_the_shipped_views_and_checks_them_against_the_loaded_tables() {
    CliRun run = cli(args("features", "validate"));

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out()).contains("ok    origin_delays", "7 feature views are valid (7 checked against their source)");
  }

  @Test
  void validate_fails_on_a_broken_file_naming_file_view_key_and_reason() throws IOException {
    String shipped = Files.readString(Path.of(FEATURES_DIR, "flights.yaml"));
    Path broken = dir.resolve("flights.yaml");
    Files.writeString(broken, shipped.replace("expr: CAST(arrival_delay > 15 AS DOUBLE)\n        agg: avg\n        window: 7d",
        "expr: CAST(arival_delay > 15 AS DOUBLE)\n        agg: avg\n        window: 7d"));

    CliRun run = cli("features", "validate", "--conf", "lake.root=" + lake.root(), "--conf", "features.dir=" + dir);

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("Cannot load feature views from " + broken
        + ": view 'route_delays', key 'features.delayed_share_7d.expr': 'CAST(arival_delay > 15 AS DOUBLE)' does not resolve against raw.flights");
  }

  @Test
  void list_and_describe_show_the_views() {
    CliRun list = cli(args("features", "list"));
    CliRun describe = cli(args("features", "describe", "route_delays"));
    CliRun unknown = cli(args("features", "describe", "nope"));

    assertThat(list.out()).containsPattern("route_delays +origin,destination +timed +4 +true");
    assertThat(describe.out()).contains("entities:      origin, destination", "avg(arrival_delay) over 7d",
        "available at:  departure_time + make_dt_interval(0, 0, 45 + CAST(distance / 8 AS INT), 0)");
    assertThat(unknown.exitCode()).isEqualTo(2);
    assertThat(unknown.err()).contains("Cannot find feature view 'nope': no view of that name in");
  }

  @Test
  void materialize_a_range_then_build_a_training_set_with_its_summary() throws IOException {
    Path summary = dir.resolve("summary.json");
    CliRun full = cli(args("features", "materialize", "--view", "origin_delays", "--view", "origin_airport"));
    long before = TestSpark.table(lake.root() + "/tables/features/origin_delays").count();
    CliRun range = cli(args("features", "materialize", "--view", "origin_delays", "--from", "2001-01-05", "--until", "2001-01-07T12:00"));
    CliRun training = cli(args("features", "training-set", "--spine",
        "select flight_id, origin, departure_time, cast(arrival_delay > 15 as int) as label from raw.flights",
        "--event-time", "departure_time", "--features", "origin_delays:avg_delay_24h,origin_airport", "--out", "training.small",
        "--summary-json", summary.toString()));

    assertThat(full.exitCode()).as(full.err()).isZero();
    assertThat(range.exitCode()).as(range.err()).isZero();
    assertThat(range.out()).contains("origin_delays").contains("Delta version 1");
    assertThat(TestSpark.table(lake.root() + "/tables/features/origin_delays").count()).isEqualTo(before);
    assertThat(training.exitCode()).as(training.err()).isZero();
    JsonNode result = new ObjectMapper().readTree(summary.toFile()).get("result");
    assertThat(result.get("rows").asLong()).isEqualTo(20_000);
    assertThat(result.get("feature_columns").toString())
        .isEqualTo("[\"origin_delays__avg_delay_24h\",\"origin_airport__state\",\"origin_airport__latitude\",\"origin_airport__longitude\"]");
    assertThat(result.at("/input_versions/features.origin_delays").asLong()).isEqualTo(1);
    assertThat(cli(args("sql", "select count(*) as n from training.small where origin_airport__state is null")).out()).contains("| 0 |");
  }

  @Test
  void materialize_online_fills_the_embedded_store_with_the_values_known_at_the_end_of_the_range() {
    CliRun run = cli(args("features", "materialize", "--view", "route_delays", "--until", "2001-01-08", "--online"));

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out()).contains("Pushed 1 views to the embedded online store");
    var table = io.treeline.featurestore.online.LatestValues.table(
        io.treeline.featurestore.spec.FeatureRepository.load(Path.of(FEATURES_DIR)).get("route_delays"));
    var store = new io.treeline.featurestore.online.EmbeddedOnlineStore(TestSpark.session(), lake.layout(), java.time.Duration.ZERO);
    var values = store.read(table, java.util.List.of(io.treeline.featurestore.online.EntityKey.of("ORD", "LAX")))
        .get(io.treeline.featurestore.online.EntityKey.of("ORD", "LAX"));
    // The newest value known before 2001-01-08 equals the offline timeline's last row before then.
    Row expected = TestSpark.session().sql("select feature_time, avg_delay_7d from features.route_delays"
        + " where origin = 'ORD' and destination = 'LAX' and feature_time < '2001-01-08' order by feature_time desc limit 1").first();
    assertThat(values.featureTime()).isEqualTo(expected.get(0));
    assertThat(values.values().get("avg_delay_7d")).isEqualTo(expected.get(1));
    assertThat(store.freshness(table).newestFeatureTime()).isBefore(java.time.LocalDateTime.parse("2001-01-08T00:00"));
  }

  @Test
  void push_online_defaults_to_the_values_at_the_end_of_the_data() {
    assertThat(cli(args("features", "materialize", "--view", "origin_departures")).exitCode()).isZero();

    CliRun run = cli(args("features", "push-online", "--view", "origin_departures"));

    assertThat(run.exitCode()).as(run.err()).isZero();
    var table = io.treeline.featurestore.online.LatestValues.table(
        io.treeline.featurestore.spec.FeatureRepository.load(Path.of(FEATURES_DIR)).get("origin_departures"));
    var store = new io.treeline.featurestore.online.EmbeddedOnlineStore(TestSpark.session(), lake.layout(), java.time.Duration.ZERO);
    var ord = store.read(table, java.util.List.of(io.treeline.featurestore.online.EntityKey.of("ORD")))
        .get(io.treeline.featurestore.online.EntityKey.of("ORD"));
    // Just after ORD's last departure in the slice: the 24-hour window still holds that day's flights.
    assertThat((Long) ord.values().get("departures_24h")).isPositive();
    assertThat(store.freshness(table).newestFeatureTime()).isBefore(java.time.LocalDateTime.parse("2001-01-15T00:00"));
  }

  @Test
  void a_training_set_from_an_unmaterialized_view_says_what_to_run() {
    CliRun run = cli(args("features", "training-set", "--spine", "raw.flights", "--event-time", "departure_time",
        "--features", "destination_delays", "--out", "training.x"));

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("Cannot build the training set: the view destination_delays has not been materialized")
        .contains("Run `treeline features materialize --view destination_delays` first.");
  }

  @Test
  void a_training_set_whose_spine_has_no_commit_yet_says_why() throws java.io.IOException {
    String spine = lake.layout().table(io.treeline.core.lake.TableName.parse("training.spine_in_progress"));
    java.nio.file.Files.createDirectories(Path.of(spine, "_delta_log", "_staged_commits"));
    String expected = "Cannot read training.spine_in_progress: its directory " + spine
        + " has no Delta commit yet — a job may still be creating it, or a failed first write left it behind\n"
        + "Wait for the job, or delete the directory if no job is writing it.";
    try {
      CliRun table = cli(args("features", "training-set", "--spine", "training.spine_in_progress", "--event-time", "departure_time",
          "--features", "origin_departures", "--out", "training.y"));
      CliRun query = cli(args("features", "training-set", "--spine", "select * from training.spine_in_progress", "--event-time",
          "departure_time", "--features", "origin_departures", "--out", "training.y"));

      assertThat(table.exitCode()).as(table.err()).isEqualTo(2);
      assertThat(table.err()).contains(expected);
      assertThat(query.exitCode()).as(query.err()).isEqualTo(2);
      assertThat(query.err()).contains(expected);
    } finally {
      new java.io.File(spine, "_delta_log/_staged_commits").delete();
      new java.io.File(spine, "_delta_log").delete();
      new java.io.File(spine).delete();
    }
  }
}
