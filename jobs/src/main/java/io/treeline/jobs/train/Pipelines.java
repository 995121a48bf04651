package io.treeline.jobs.train;

import io.treeline.core.config.TreelineConfig;
import io.treeline.core.error.Errors;
import io.treeline.jobs.features.FeatureViews;
import io.treeline.pipelines.spec.PipelineSpec;
import io.treeline.pipelines.spec.PipelineSpecParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Finds pipeline files: a path given on the command line, or a name in pipelines.dir. */
public final class Pipelines {
  private Pipelines() {}

  public static Path directory(TreelineConfig config) {
    return FeatureViews.installed(config.pipelinesDir());
  }

  /** A file path (conf/pipelines/flight-delay.yaml) or a pipeline name (flight-delay). */
  public static PipelineSpec load(TreelineConfig config, String fileOrName) {
    Path path = Path.of(fileOrName);
    if (!Files.isRegularFile(path)) {
      Path named = directory(config).resolve(fileOrName.endsWith(".yaml") ? fileOrName : fileOrName + ".yaml");
      if (!Files.isRegularFile(named)) {
        throw Errors.invalidInput("find", "pipeline " + fileOrName, "neither a file nor a pipeline in " + directory(config),
            "Pass a pipeline file, or one of: " + String.join(", ", all(config).stream().map(PipelineSpec::name).toList()) + ".");
      }
      path = named;
    }
    return PipelineSpecParser.parse(path);
  }

  public static List<PipelineSpec> all(TreelineConfig config) {
    Path directory = directory(config);
    List<PipelineSpec> specs = new ArrayList<>();
    if (!Files.isDirectory(directory)) {
      return specs;
    }
    try (Stream<Path> files = Files.list(directory)) {
      for (Path file : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
        specs.add(PipelineSpecParser.parse(file));
      }
    } catch (IOException e) {
      throw Errors.invalidInput("list", "pipelines in " + directory, e.getMessage(), "Check the directory.", e);
    }
    return specs;
  }
}
