package io.treeline.jobs.notebooks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.treeline.registry.PythonEnv;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The data scientists' notebooks (notebooks/*.ipynb) and their headless run: the venv's Python executes
 * each with nbclient through notebooks/tools/execute.py, which names the failing cell and its error.
 */
public final class Notebooks {
  public static final Path DIR = Path.of("..", "notebooks").toAbsolutePath().normalize();
  /** The executed copies, with their outputs and plots, to look at after a run. */
  public static final Path EXECUTED = Path.of("target", "notebooks").toAbsolutePath();

  private Notebooks() {}

  public record Execution(int exitCode, String output) {}

  public static List<Path> all() {
    try (Stream<Path> files = Files.list(DIR)) {
      return files.filter(p -> p.getFileName().toString().endsWith(".ipynb")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Executes every notebook with {@code environment} added (TREELINE_LAKE_ROOT, TREELINE_SERVING_URL, …). */
  public static Execution executeAll(String runName, Map<String, String> environment, long timeoutMinutes) {
    return execute(runName, all().stream().map(p -> p.getFileName().toString()).toList(), environment, timeoutMinutes);
  }

  /** Executes the named notebooks; their executed copies go to target/notebooks/RUN_NAME. */
  public static Execution execute(String runName, List<String> notebooks, Map<String, String> environment, long timeoutMinutes) {
    List<String> command = new ArrayList<>(List.of(PythonEnv.bin("python").toString(), DIR.resolve("tools/execute.py").toString(),
        "--output-dir", EXECUTED.resolve(runName).toString()));
    notebooks.forEach(name -> command.add(DIR.resolve(name).toString()));
    try {
      Path log = Files.createTempFile("treeline-notebooks", ".log");
      ProcessBuilder builder = new ProcessBuilder(command).directory(DIR.toFile()).redirectErrorStream(true)
          .redirectOutput(log.toFile());
      builder.environment().putAll(environment);
      // Delta from the jars this build already resolved: no download from Maven Central during the test.
      builder.environment().put("TREELINE_SPARK_JARS", jarOf(io.delta.tables.DeltaTable.class) + "," + jarOf(io.delta.storage.LogStore.class));
      builder.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
      builder.environment().put("MPLBACKEND", "module://matplotlib_inline.backend_inline");
      Process process = builder.start();
      if (!process.waitFor(timeoutMinutes, TimeUnit.MINUTES)) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        return new Execution(-1, "timed out after " + timeoutMinutes + " minutes:\n" + Files.readString(log, StandardCharsets.UTF_8));
      }
      String output = Files.readString(log, StandardCharsets.UTF_8);
      Files.delete(log);
      return new Execution(process.exitValue(), output);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** What the executed copy of a notebook printed and displayed as text (streams, plain text, Markdown), not its sources. */
  public static String outputs(String runName, String notebook) {
    StringBuilder text = new StringBuilder();
    try {
      for (JsonNode cell : new ObjectMapper().readTree(EXECUTED.resolve(runName).resolve(notebook).toFile()).path("cells")) {
        for (JsonNode output : cell.path("outputs")) {
          for (JsonNode part : List.of(output.path("text"), output.path("data").path("text/plain"), output.path("data").path("text/markdown"))) {
            if (part.isArray()) {
              part.forEach(line -> text.append(line.asText()));
            } else if (part.isTextual()) {
              text.append(part.asText());
            }
          }
          text.append('\n');
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return text.toString();
  }

  private static String jarOf(Class<?> type) {
    try {
      return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }
}
