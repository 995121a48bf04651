package io.treeline.featurestore.spec;

import io.treeline.core.error.Errors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/** All feature views declared in a directory of YAML files (conf/features by default), by name. */
public final class FeatureRepository {
  private final Path directory;
  private final Map<String, FeatureView> views;

  private FeatureRepository(Path directory, Map<String, FeatureView> views) {
    this.directory = directory;
    this.views = views;
  }

  public static FeatureRepository load(Path directory) {
    if (!Files.isDirectory(directory)) {
      throw Errors.invalidInput("load", "feature views", directory + " is not a directory",
          "Set features.dir (e.g. --conf features.dir=DIR) to the directory of your *.yaml feature views (see docs/features.md).");
    }
    List<Path> files = new ArrayList<>();
    try (Stream<Path> listing = Files.list(directory)) {
      listing.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml")).sorted().forEach(files::add);
    } catch (IOException e) {
      throw Errors.invalidInput("load", "feature views", "cannot list " + directory + ": " + e.getMessage(), "Check the directory.", e);
    }
    Map<String, FeatureView> views = new LinkedHashMap<>();
    for (Path file : files) {
      for (FeatureView view : FeatureViewParser.parse(file)) {
        FeatureView previous = views.putIfAbsent(view.name(), view);
        if (previous != null) {
          throw SpecError.at(file, view.name(), "name", "the view is also declared in " + previous.file(), "Rename one of them.");
        }
      }
    }
    return new FeatureRepository(directory, views);
  }

  public Path directory() {
    return directory;
  }

  public List<FeatureView> views() {
    return List.copyOf(views.values());
  }

  public Optional<FeatureView> find(String name) {
    return Optional.ofNullable(views.get(name));
  }

  public FeatureView get(String name) {
    return find(name).orElseThrow(() -> Errors.invalidInput("find", "feature view '" + name + "'",
        "no view of that name in " + directory, "Known views: " + String.join(", ", views.keySet()) + ". `treeline features list` shows them."));
  }
}
