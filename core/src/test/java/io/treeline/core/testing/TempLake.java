package io.treeline.core.testing;

import io.treeline.core.config.TreelineConfig;
import io.treeline.core.lake.LakeLayout;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

/** A lake in a temporary directory, deleted on close, with a config that points at it. */
public final class TempLake implements AutoCloseable {
  private final Path root;

  public TempLake() {
    try {
      root = Files.createTempDirectory("treeline-lake");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public Path root() {
    return root;
  }

  public LakeLayout layout() {
    return LakeLayout.at(root.toString());
  }

  /** Test settings (local[2], two shuffle partitions) with this lake as root, plus any overrides. */
  public TreelineConfig config(Map<String, String> overrides) {
    Map<String, String> all = new HashMap<>();
    all.put("lake.root", root.toString());
    all.put("spark.master", "local[2]");
    all.put("spark.shuffle-partitions", "2");
    all.putAll(overrides);
    return TreelineConfig.defaults().with(all);
  }

  public TreelineConfig config() {
    return config(Map.of());
  }

  /** Copies the committed flights slice and airports file into the raw area, as `data fetch` would. */
  public void stageFlightsSlice() {
    try {
      Path raw = root.resolve("raw").resolve("vega-datasets-3.2.1");
      Files.createDirectories(raw);
      Files.copy(TestData.flightsSlice(), raw.resolve("flights-3m.parquet"));
      Files.copy(TestData.airports(), raw.resolve("airports.csv"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    try (Stream<Path> files = Files.walk(root)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
