package io.treeline.jobs;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A {@code treeline} process on the classpath {@code bin/treeline serve} and the serving image give
 * the jar's code — this JVM's classpath less every jar of Spark's share (spark-provided and
 * spark-runtime-classpath.txt) that jobs/target/launcher/serving-classpath.txt does not name —,
 * logging the classes it loads, so a test shows a command needs no Spark and no jar the serving
 * list leaves out.
 */
public final class WithoutSpark {
  private WithoutSpark() {}

  /** The classpath less Spark's share, except the jars the serving list names. */
  public static String classpath() {
    Set<String> serving = launcherList("serving-classpath.txt");
    Set<String> sparkShare = new HashSet<>(launcherList("spark-provided-classpath.txt"));
    sparkShare.addAll(launcherList("spark-runtime-classpath.txt"));
    return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
        .filter(entry -> serving.contains(entry) || !sparkShare.contains(entry))
        .collect(Collectors.joining(File.pathSeparator));
  }

  private static Set<String> launcherList(String name) {
    try {
      return new HashSet<>(Arrays.asList(Files.readString(Path.of("target", "launcher", name)).trim().split(File.pathSeparator)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The java command running io.treeline.jobs.Main with {@code args}, its loaded classes logged to {@code classLog}. */
  public static List<String> command(Path classLog, String... args) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    try {
      command.addAll(List.of(Files.readString(Path.of("target", "launcher", "jvm-flags.txt")).trim().split("\\s+")));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    command.addAll(List.of("-Xmx1g", "-Dlog4j2.configurationFile=" + TrainedSlice.CONF.resolve("log4j2.xml"),
        "-Xlog:class+load=info:file=" + classLog.toAbsolutePath(), "-cp", classpath(), "io.treeline.jobs.Main"));
    command.addAll(List.of(args));
    return command;
  }

  /** Spark or Scala classes named in a class-load log (at most five). */
  public static List<String> sparkClassesLoaded(Path classLog) {
    try (Stream<String> loaded = Files.lines(classLog)) {
      return loaded.filter(l -> l.contains(" org.apache.spark.") || l.contains(" scala.")).limit(5).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
