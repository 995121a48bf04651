package io.treeline.jobs;

import static io.treeline.jobs.JobsTestSupport.cli;

import io.treeline.core.testing.TempLake;
import io.treeline.jobs.JobsTestSupport.CliRun;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * The flights slice loaded, its features materialized and pushed online, and {@link #MODEL} trained
 * on its first ten days and made champion in the lake registry: built once per test JVM (about a
 * minute of Spark work that several test classes used to repeat), and copied for each class that
 * asks, so no class sees another's writes. The copies' registry rows point at the template's model
 * files, which stay until the JVM ends.
 */
public final class TrainedSlice {
  public static final String MODEL = "flight-delay";
  public static final Path CONF = Path.of("..", "conf").toAbsolutePath().normalize();

  private static TempLake template;

  private TrainedSlice() {}

  /** A lake of its own holding the trained slice; the caller closes it. */
  public static synchronized TempLake copy() {
    if (template == null) {
      template = build();
      Runtime.getRuntime().addShutdownHook(new Thread(template::close));
    }
    TempLake lake = new TempLake();
    copyTree(template.root(), lake.root());
    return lake;
  }

  /**
   * The reference pipeline cut to the slice: trained on its first ten days, validated on the next
   * two, with a small forest and a gate the slice can pass. Its monitoring thresholds differ from
   * the settings' defaults, so that a monitor run's figures show which layer each came from.
   */
  public static String pipeline(String name, int trees) {
    try {
      return Files.readString(CONF.resolve("pipelines/flight-delay.yaml"))
          .replace("train_until: 2001-05-01", "train_until: 2001-01-10")
          .replace("validate_until: 2001-06-01", "validate_until: 2001-01-12")
          .replace("numTrees: 40", "numTrees: " + trees)
          .replace("min: 0.65", "min: 0.5")
          .replace("psi_threshold: 0.2", "psi_threshold: 0.35")
          .replace("prediction: 0.25", "distance: 0.3")
          .replace("threshold: 0.01", "threshold: 0.02")
          .replace("auc_margin: 0.05", "auc_margin: 0.08")
          .replace("name: flight-delay\n", "name: " + name + "\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** `treeline ARGS` against {@code lake} with the repository's feature views and pipelines. */
  public static String[] args(TempLake lake, String... command) {
    return Stream.concat(Stream.of(command), Stream.of("--conf", "lake.root=" + lake.root(), "--conf",
        "features.dir=" + CONF.resolve("features"), "--conf", "pipelines.dir=" + CONF.resolve("pipelines"))).toArray(String[]::new);
  }

  private static TempLake build() {
    TempLake lake = new TempLake();
    lake.stageFlightsSlice();
    try {
      Path spec = Files.writeString(lake.root().resolve("sliced-" + MODEL + ".yaml"), pipeline(MODEL, 8));
      for (List<String> command : List.of(List.of("data", "load"), List.of("features", "materialize", "--online"),
          List.of("train", "--pipeline", spec.toString(), "--promote-if-better", "auc"))) {
        CliRun run = cli(args(lake, command.toArray(String[]::new)));
        if (run.exitCode() != 0) {
          throw new IllegalStateException("Building the trained slice failed at " + command + ":\n" + run.out() + run.err());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return lake;
  }

  private static void copyTree(Path from, Path to) {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path file : (Iterable<Path>) files::iterator) {
        Path target = to.resolve(from.relativize(file).toString());
        if (Files.isDirectory(file)) {
          Files.createDirectories(target);
        } else {
          Files.copy(file, target);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
