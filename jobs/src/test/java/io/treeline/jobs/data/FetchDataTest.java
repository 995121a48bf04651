package io.treeline.jobs.data;

import static io.treeline.jobs.JobsTestSupport.runJob;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.treeline.core.error.InvalidInputException;
import io.treeline.core.testing.TempLake;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FetchDataTest {
  /** bin/test caches the real tarball here (npm pack) before the tests run. */
  static final Path CACHED_TARBALL = FetchData.defaultCacheDir("").resolve(VegaDatasets.TARBALL);

  @TempDir Path dir;

  @Test
  void places_the_verified_files_from_a_given_tarball() throws IOException {
    requireCachedTarball();
    try (TempLake lake = new TempLake()) {
      FetchData.Result result = runJob(new FetchData(CACHED_TARBALL, dir, "/nonexistent/npm"), lake.config()).result();

      Path raw = lake.root().resolve("raw/vega-datasets-3.2.1");
      assertThat(Files.size(raw.resolve("flights-3m.parquet"))).isEqualTo(13_493_022L);
      assertThat(Files.size(raw.resolve("airports.csv"))).isEqualTo(210_365L);
      assertThat(result.obtainedFrom()).isEqualTo("--from " + CACHED_TARBALL);
      try (var leftovers = Files.list(raw)) {
        // Hadoop's .crc checksum files sit beside the data; no half-written .incoming file may remain.
        assertThat(leftovers.map(p -> p.getFileName().toString()).filter(name -> !name.endsWith(".crc")))
            .containsExactlyInAnyOrder("flights-3m.parquet", "airports.csv");
      }
    }
  }

  @Test
  void works_offline_from_the_download_cache() throws IOException {
    requireCachedTarball();
    Files.copy(CACHED_TARBALL, dir.resolve(VegaDatasets.TARBALL));
    try (TempLake lake = new TempLake()) {
      FetchData.Result result = runJob(new FetchData(null, dir, "/nonexistent/npm"), lake.config()).result();

      assertThat(result.obtainedFrom()).isEqualTo("cache " + dir);
      assertThat(lake.root().resolve("raw/vega-datasets-3.2.1/flights-3m.parquet")).exists();
    }
  }

  @Test
  void without_npm_or_cache_says_what_to_install() {
    try (TempLake lake = new TempLake()) {
      assertThatThrownBy(() -> runJob(new FetchData(null, dir, "/nonexistent/npm"), lake.config()))
          .isInstanceOf(InvalidInputException.class)
          .hasMessageStartingWith("Cannot fetch vega-datasets@3.2.1: npm is not installed or not on the PATH")
          .satisfies(e -> assertThat(((InvalidInputException) e).remedy()).startsWith("Install Node.js with npm"));
    }
  }

  @Test
  void a_tarball_with_another_checksum_is_refused_and_nothing_is_placed() throws IOException {
    Path fake = Files.write(dir.resolve("vega-datasets-3.2.1.tgz"), new byte[] {1, 2, 3});
    try (TempLake lake = new TempLake()) {
      assertThatThrownBy(() -> runJob(new FetchData(fake, dir, "npm"), lake.config()))
          .isInstanceOf(InvalidInputException.class)
          .hasMessage("Cannot fetch vega-datasets@3.2.1: the SHA-256 of " + fake
              + " is 039058c6f2c0cb492c533b0a4d14ef77cc0f78abccced5287d84a1a2011cfb81, expected " + VegaDatasets.TARBALL_SHA256);
      assertThat(lake.root().resolve("raw")).doesNotExist();
    }
  }

  @Test
  void a_missing_from_file_is_an_input_error() {
    try (TempLake lake = new TempLake()) {
      assertThatThrownBy(() -> runJob(new FetchData(dir.resolve("nope.tgz"), dir, "npm"), lake.config()))
          .hasMessage("Cannot fetch vega-datasets@3.2.1: --from " + dir.resolve("nope.tgz") + " is not a file");
    }
  }

  private static void requireCachedTarball() {
    assertThat(CACHED_TARBALL)
        .as("the vega-datasets tarball, which bin/test caches with `npm pack vega-datasets@3.2.1`")
        .exists();
  }
}
