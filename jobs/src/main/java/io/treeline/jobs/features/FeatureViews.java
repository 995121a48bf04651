package io.treeline.jobs.features;

import io.treeline.core.config.TreelineConfig;
import io.treeline.featurestore.spec.FeatureRepository;
import java.nio.file.Files;
import java.nio.file.Path;

/** Finds the feature view directory of features.dir: as given, else under the installation. */
public final class FeatureViews {
  private FeatureViews() {}

  public static Path directory(TreelineConfig config) {
    return installed(config.featuresDir());
  }

  /** A configured directory: absolute or found from the working directory, else under TREELINE_HOME. */
  public static Path installed(String setting) {
    Path configured = Path.of(setting);
    if (configured.isAbsolute() || Files.isDirectory(configured)) {
      return configured;
    }
    String home = System.getenv("TREELINE_HOME");
    if (home != null && Files.isDirectory(Path.of(home).resolve(configured))) {
      return Path.of(home).resolve(configured);
    }
    return configured;
  }

  public static FeatureRepository load(TreelineConfig config) {
    return FeatureRepository.load(directory(config));
  }
}
