package io.treeline.jobs.cli;

import io.treeline.core.error.Errors;
import java.nio.file.Files;
import java.nio.file.Path;

/** Finds the settings file: --config, then $TREELINE_CONFIG, then the installation's and the working directory's conf/treeline.yaml. */
final class ConfigFiles {
  private ConfigFiles() {}

  static Path resolve(Path explicit) {
    if (explicit != null) {
      return requireReadable(explicit, "--config");
    }
    String fromEnvironment = System.getenv("TREELINE_CONFIG");
    if (fromEnvironment != null && !fromEnvironment.isBlank()) {
      return requireReadable(Path.of(fromEnvironment), "TREELINE_CONFIG");
    }
    String home = System.getenv("TREELINE_HOME");
    if (home != null && !home.isBlank() && Files.isRegularFile(Path.of(home, "conf", "treeline.yaml"))) {
      return Path.of(home, "conf", "treeline.yaml");
    }
    Path local = Path.of("conf", "treeline.yaml");
    return Files.isRegularFile(local) ? local : null;
  }

  private static Path requireReadable(Path file, String origin) {
    if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
      throw Errors.invalidInput("read", "configuration " + file, "the file given by " + origin + " does not exist or cannot be read",
          "Pass an existing YAML file, or leave " + origin + " out to use conf/treeline.yaml.");
    }
    return file;
  }
}
