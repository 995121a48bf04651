package io.treeline.core.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Slices of the real flights data committed under core's test resources (regenerate with
 * bin/make-test-slice): the first 20,000 flights between the ten busiest airports, 1–14
 * January 2001, in the raw file's schema, and the full airports.csv.
 */
public final class TestData {
  public static final int FLIGHTS_SLICE_ROWS = 20_000;

  private TestData() {}

  public static Path flightsSlice() {
    return resource("flights/flights-20k.parquet", ".parquet");
  }

  public static Path airports() {
    return resource("flights/airports.csv", ".csv");
  }

  /** Resources may sit inside the core test-jar, so they are copied out to a file once. */
  private static synchronized Path resource(String name, String suffix) {
    try (InputStream in = TestData.class.getClassLoader().getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("missing test resource " + name);
      }
      Path file = Files.createTempFile("treeline-" + name.replace('/', '-'), suffix);
      file.toFile().deleteOnExit();
      Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
