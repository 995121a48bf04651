package io.treeline.jobs;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A {@code treeline} process on this JVM's classpath less every Spark and Scala jar (what
 * jobs/target/launcher/serving-classpath.txt leaves out), logging the classes it loads, so a test
 * can show a command needs no Spark: one that tried would fail to load the class.
 */
public final class WithoutSpark {
  private WithoutSpark() {}

  /** The classpath less Spark's and Scala's jars. */
  public static String classpath() {
    return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
        .filter(entry -> !entry.contains("/org/apache/spark/") && !entry.contains("/org/scala-lang/"))
        .collect(Collectors.joining(File.pathSeparator));
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
