package io.treeline.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bin/treeline's class data sharing archive, run as a user runs it: the first run lists the classes it loads, the
 * second makes an archive of them in the background, a later run whose list brings 1,000 new classes makes it again
 * with those, and the next loads its classes from it; an archive the JVM cannot use changes nothing a command
 * prints, and TREELINE_CDS=off writes nothing.
 */
class LauncherClassSharingIT {
  private static final Path TREELINE = Path.of("..", "bin", "treeline").toAbsolutePath().normalize();

  @TempDir Path cds;
  @TempDir Path work;

  @Test
  void the_archive_grows_with_the_commands_run_and_a_broken_one_is_ignored() throws Exception {
    String lake = "lake.root=" + work.resolve("lake");
    Run versionOff = treeline(Map.of("TREELINE_CDS", "off"), "--version");
    Run modelsOff = treeline(Map.of("TREELINE_CDS", "off"), "models", "list", "--conf", lake);
    assertThat(modelsOff.exitCode()).as(modelsOff.err()).isZero();
    assertThat(modelsOff.out()).contains("0 registered model(s)");

    Run version = treeline(Map.of(), "--version");
    assertThat(version.exitCode()).as(version.err()).isZero();
    assertThat(version.out()).isEqualTo(versionOff.out());
    assertThat(files(".lst")).hasSize(1);
    assertThat(classes(files(".lst").get(0))).as("the classes --version lists, enough for an archive").hasSizeGreaterThan(1000);
    assertThat(files(".jsa")).isEmpty();

    Run models = treeline(Map.of(), "models", "list", "--conf", lake);
    assertThat(models.out()).isEqualTo(modelsOff.out());
    Path archive = awaitDump(0);
    long first = Files.getLastModifiedTime(archive).toMillis();
    List<Path> modelsList = files(".lst");
    assertThat(modelsList).hasSize(1);
    List<String> added = new ArrayList<>(classes(modelsList.get(0)));
    added.removeAll(classes(cds.resolve(archive.getFileName().toString().replace(".jsa", ".archived"))));
    assertThat(added).as("the classes models list adds, enough for a new archive").hasSizeGreaterThan(1000);

    // The registry's and Delta Kernel's classes, listed by `models list` above, are not in the archive yet.
    assertThat(treeline(Map.of(), "models", "list", "--conf", lake).out()).isEqualTo(modelsOff.out());
    awaitDump(first);

    Path classLog = work.resolve("classes.log");
    Run mapped = treeline(Map.of("TREELINE_JAVA_OPTS", "-Xlog:class+load=info:file=" + classLog), "models", "list", "--conf", lake);
    assertThat(mapped.out()).isEqualTo(modelsOff.out());
    assertThat(Files.readString(classLog)).contains("io.treeline.jobs.Main source: shared objects file",
        "io.treeline.registry.lake.LakeRegistry source: shared objects file");

    // The JVM writes archives read-only.
    Files.delete(archive);
    Files.write(archive, new byte[4096]);
    Run broken = treeline(Map.of(), "models", "list", "--conf", lake);
    assertThat(broken.exitCode()).as(broken.err()).isZero();
    assertThat(broken.out()).isEqualTo(modelsOff.out());
  }

  @Test
  void off_writes_nothing() throws Exception {
    Run off = treeline(Map.of("TREELINE_CDS", "off"), "--version");

    assertThat(off.exitCode()).as(off.err()).isZero();
    try (Stream<Path> written = Files.list(cds)) {
      assertThat(written).isEmpty();
    }
  }

  private record Run(int exitCode, String out, String err) {}

  private Run treeline(Map<String, String> env, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(TREELINE.toString()));
    command.addAll(List.of(args));
    Path err = Files.createTempFile(work, "err", ".txt");
    ProcessBuilder builder = new ProcessBuilder(command).directory(work.toFile()).redirectError(err.toFile());
    builder.environment().keySet().removeIf(k -> k.startsWith("TREELINE_"));
    builder.environment().put("TREELINE_CDS_DIR", cds.toString());
    builder.environment().put("TREELINE_HEAP", "512m");
    builder.environment().putAll(env);
    Process process = builder.start();
    String out = new String(process.getInputStream().readAllBytes());
    assertThat(process.waitFor(2, TimeUnit.MINUTES)).isTrue();
    return new Run(process.exitValue(), out, Files.readString(err));
  }

  /** The class names of a class list (its comments and directives left out). */
  private static List<String> classes(Path list) throws IOException {
    return Files.readAllLines(list).stream().filter(l -> !l.isBlank() && !l.startsWith("#") && !l.startsWith("@")).toList();
  }

  /** Waits until an archive newer than {@code after} (epoch ms; 0 for any) is in place and its dump has finished. */
  private Path awaitDump(long after) throws Exception {
    long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
    while (System.nanoTime() < deadline) {
      List<Path> archives = files(".jsa");
      if (archives.size() == 1 && Files.getLastModifiedTime(archives.get(0)).toMillis() > after && files(".tmp").isEmpty()) {
        return archives.get(0);
      }
      Thread.sleep(200);
    }
    throw new AssertionError("no new archive in " + cds + " after 5 minutes: " + files(".log").stream().map(LauncherClassSharingIT::read).toList());
  }

  private List<Path> files(String suffix) throws IOException {
    try (Stream<Path> files = Files.list(cds)) {
      return files.filter(p -> p.getFileName().toString().endsWith(suffix)).toList();
    }
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      return e.toString();
    }
  }
}
