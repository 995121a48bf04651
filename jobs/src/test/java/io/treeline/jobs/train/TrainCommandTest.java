package io.treeline.jobs.train;

import static io.treeline.jobs.JobsTestSupport.cli;
import static org.assertj.core.api.Assertions.assertThat;

import io.treeline.core.testing.TempLake;
import io.treeline.jobs.JobsTestSupport.CliRun;
import io.treeline.jobs.TrainedSlice;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `treeline train` and `treeline pipelines` on the flights slice: exit codes and what they print. */
class TrainCommandTest {
  private static final Path CONF = TrainedSlice.CONF;
  private static TempLake lake;

  @TempDir Path dir;

  @BeforeAll
  static void lakeWithFeatures() {
    lake = TrainedSlice.copy();
  }

  @AfterAll
  static void cleanUp() {
    lake.close();
  }

  private static String[] args(String... command) {
    return TrainedSlice.args(lake, command);
  }


  /** The reference classifier scaled to the 14-day slice, with a gate at {@code minAuc}. */
  private Path slicedPipeline(String minAuc) throws IOException {
    String text = Files.readString(CONF.resolve("pipelines/flight-delay.yaml"))
        .replace("train_until: 2001-05-01", "train_until: 2001-01-10")
        .replace("validate_until: 2001-06-01", "validate_until: 2001-01-12")
        .replace("numTrees: 40", "numTrees: 6")
        .replace("min: 0.65", "min: " + minAuc);
    return Files.writeString(dir.resolve("flight-delay.yaml"), text);
  }

  @Test
  void a_run_that_meets_its_gates_exits_0_and_prints_the_test_auc_beside_the_baseline() throws IOException {
    CliRun run = cli(args("train", "--pipeline", slicedPipeline("0.5").toString()));

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out()).containsPattern("Trained flight-delay: test AUC 0\\.\\d{4} \\(raw columns only: 0\\.\\d{4}\\); run flight-delay-")
        .contains("report: " + lake.root() + "/runs/flight-delay-");
    // The pipeline's monitoring thresholds travel in the model package, for treeline monitor.
    java.util.regex.Matcher runId = java.util.regex.Pattern.compile("run (flight-delay-[0-9a-z-]+)").matcher(run.out());
    assertThat(runId.find()).isTrue();
    assertThat(io.treeline.modelpackage.ModelManifest.read(lake.root().resolve("runs").resolve(runId.group(1)).resolve("model")).monitoring())
        .isEqualTo(new io.treeline.modelpackage.ModelManifest.Monitoring(0.2, java.util.Map.of("prediction", 0.25), 0.01, 0.05));
  }

  @Test
  void a_monitoring_threshold_for_an_unknown_input_exits_2_before_anything_runs_naming_the_inputs() throws IOException {
    Path broken = Files.writeString(Files.createDirectories(dir.resolve("pipelines")).resolve("flight-delay.yaml"),
        Files.readString(slicedPipeline("0.5")).replace("prediction: 0.25", "distanse: 0.1"));
    long runs = countRuns();

    CliRun run = cli(args("train", "--pipeline", broken.toString()));
    CliRun validate = cli("pipelines", "validate", "--conf", "features.dir=" + CONF.resolve("features"), "--conf",
        "pipelines.dir=" + broken.getParent());

    for (CliRun refused : java.util.List.of(run, validate)) {
      assertThat(refused.exitCode()).as(refused.out() + refused.err()).isEqualTo(2);
      assertThat(refused.err()).contains("Cannot load pipeline " + broken + ": key 'monitoring.drift.feature_thresholds.distanse':"
          + " 'distanse' is not an input of the model").contains("origin_delays__avg_delay_24h", "distance, ", "prediction.");
    }
    assertThat(countRuns()).as("nothing written").isEqualTo(runs);
  }

  private static long countRuns() throws IOException {
    Path runs = lake.root().resolve("runs");
    if (!Files.isDirectory(runs)) {
      return 0;
    }
    try (java.util.stream.Stream<Path> files = Files.list(runs)) {
      return files.count();
    }
  }

  @Test
  void a_missed_gate_exits_1_naming_the_metric_and_the_shortfall() throws IOException {
    CliRun run = cli(args("train", "--pipeline", slicedPipeline("0.99").toString()));

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err()).containsPattern("Cannot pass the gates of flight-delay: test_auc = 0\\.\\d{4}, below the minimum 0\\.9900 by 0\\.\\d{4}")
        .contains("it is not registered");

    // Another forest on the training set that run built: read, not rebuilt, and said so.
    CliRun again = cli(args("train", "--pipeline", slicedPipeline("0.99").toString(), "--training-set", "training.flight_delay"));
    assertThat(again.exitCode()).as(again.err()).isEqualTo(1);
    assertThat(again.out()).containsPattern("trained on training\\.flight_delay, built earlier from features\\.\\w+ version \\d+, ");
    CliRun unqualified = cli(args("train", "--pipeline", slicedPipeline("0.99").toString(), "--training-set", "flight_delay"));
    assertThat(unqualified.exitCode()).isEqualTo(2);
    assertThat(unqualified.err()).contains("Cannot use table name 'flight_delay': expected namespace.table");
  }

  @Test
  void a_mistyped_parameter_exits_2_naming_it() throws IOException {
    Path broken = Files.writeString(dir.resolve("broken.yaml"),
        Files.readString(slicedPipeline("0.5")).replace("maxDepth: 8", "maxDepht: 8"));

    CliRun run = cli(args("train", "--pipeline", broken.toString()));

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("Cannot load pipeline " + broken
        + ": key 'model.params.maxDepht': 'maxDepht' is not a parameter of random_forest_classifier").contains("Did you mean 'maxDepth'?");
  }

  @Test
  void pipelines_validate_list_and_describe_the_shipped_pipelines() {
    CliRun validate = cli(args("pipelines", "validate"));
    CliRun list = cli(args("pipelines", "list"));
    CliRun describe = cli(args("pipelines", "describe", "flight-delay-minutes"));

    assertThat(validate.exitCode()).as(validate.err()).isZero();
    assertThat(validate.out()).contains("ok    flight-delay ", "ok    flight-delay-minutes", "2 pipelines are valid");
    assertThat(list.out()).containsPattern("flight-delay-minutes +random_forest_regressor +time");
    assertThat(describe.out()).contains("type: random_forest_regressor");
  }
}
