package io.treeline.serving.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.treeline.registry.PythonEnv;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs one of serving's test scripts (src/test/python) with bin/test's venv; fails the test with its output unless it succeeds. */
final class PythonScript {
  private static final Path SCRIPTS = Path.of("src", "test", "python").toAbsolutePath();

  private PythonScript() {}

  /** The script's output (stdout and stderr), also kept in {@code logDir}. */
  static String run(Path logDir, String script, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(PythonEnv.bin("python").toString(), SCRIPTS.resolve(script).toString()));
    command.addAll(List.of(args));
    Path log = logDir.resolve(script + ".log");
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
    builder.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    Process process = builder.start();
    if (!process.waitFor(5, TimeUnit.MINUTES)) {
      process.destroyForcibly();
      throw new AssertionError(script + " took over 5 minutes:\n" + Files.readString(log));
    }
    String output = Files.readString(log);
    assertThat(process.exitValue()).as(output).isZero();
    return output;
  }
}
