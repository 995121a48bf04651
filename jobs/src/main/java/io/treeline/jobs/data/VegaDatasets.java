package io.treeline.jobs.data;

import io.treeline.core.lake.LakeLayout;

/** The pinned reference data package: the flights and airports files of vega-datasets@3.2.1. */
public final class VegaDatasets {
  private VegaDatasets() {}

  public static final String PACKAGE = "vega-datasets";
  public static final String VERSION = "3.2.1";
  public static final String SPEC = PACKAGE + "@" + VERSION;
  public static final String TARBALL = PACKAGE + "-" + VERSION + ".tgz";
  /** SHA-256 of the tarball the npm registry serves for this version. */
  public static final String TARBALL_SHA256 = "6f72fda460a9863fae5fcb32f85bcd49e1761fdea6dc6cf9f4962472881cc5a3";

  public static final String FLIGHTS_FILE = "flights-3m.parquet";
  public static final String AIRPORTS_FILE = "airports.csv";
  static final String ENTRY_PREFIX = "package/data/";

  /** The directory of the lake's raw area that holds the extracted files. */
  public static String rawDirectory(LakeLayout layout) {
    return layout.rawDataset(PACKAGE + "-" + VERSION);
  }

  public static String flightsFile(LakeLayout layout) {
    return rawDirectory(layout) + "/" + FLIGHTS_FILE;
  }

  public static String airportsFile(LakeLayout layout) {
    return rawDirectory(layout) + "/" + AIRPORTS_FILE;
  }
}
