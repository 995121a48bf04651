package io.treeline.jobs.models;

import static org.assertj.core.api.Assertions.assertThat;

import io.treeline.core.testing.TempLake;
import io.treeline.jobs.TrainedSlice;
import io.treeline.jobs.WithoutSpark;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The registry and metadata commands read and write the lake without Spark: each runs in a process
 * with no Spark or Scala jar on its classpath, succeeds, and loads no Spark class. An alias one
 * process moves, the next one reads.
 */
class MetadataCommandsWithoutSparkTest {
  private static TempLake lake;

  @TempDir Path dir;

  @BeforeAll
  static void trainedModel() {
    lake = TrainedSlice.copy();
  }

  @AfterAll
  static void cleanUp() {
    lake.close();
  }

  private record Run(int exitCode, String output, List<String> sparkClasses) {}

  private Run treeline(String... command) throws Exception {
    Path classes = dir.resolve(String.join("-", command).replaceAll("[^a-z@-]", "") + "-classes.log");
    Process process = new ProcessBuilder(WithoutSpark.command(classes, TrainedSlice.args(lake, command))).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("treeline %s ended", String.join(" ", command)).isTrue();
    return new Run(process.exitValue(), output, WithoutSpark.sparkClassesLoaded(classes));
  }

  @Test
  void registry_and_feature_metadata_commands_run_without_spark() throws Exception {
    for (String[] command : List.of(
        new String[] {"models", "list", "flight-delay"},
        new String[] {"models", "describe", "flight-delay@champion"},
        new String[] {"models", "promote", "flight-delay", "--version", "1", "--alias", "canary"},
        new String[] {"models", "describe", "flight-delay@canary"},
        new String[] {"models", "compare", "flight-delay", "champion", "1"},
        new String[] {"features", "list"},
        new String[] {"features", "describe", "origin_delays"})) {
      Run run = treeline(command);
      String name = String.join(" ", command);
      assertThat(run.exitCode()).as("%s exited:%n%s", name, run.output()).isZero();
      assertThat(run.sparkClasses()).as("Spark or Scala classes %s loaded", name).isEmpty();
    }
    assertThat(treeline("models", "describe", "flight-delay@canary").output()).as("the alias the promote wrote").contains("canary");
    // The slice registers one version, so a rollback reads the alias's history and refuses by name.
    Run rollback = treeline("models", "rollback", "flight-delay", "--alias", "canary");
    assertThat(rollback.exitCode()).as(rollback.output()).isEqualTo(2);
    assertThat(rollback.output()).contains("nothing to roll back to");
    assertThat(rollback.sparkClasses()).as("Spark or Scala classes models rollback loaded").isEmpty();
    assertThat(treeline("features", "list").output()).contains("origin_delays").contains("(version ");
  }
}
