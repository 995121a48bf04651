package io.treeline.core.lake;

import io.treeline.core.error.Errors;
import java.net.URI;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Where everything lives under the lake root, for a local directory and for {@code s3a://}. Nothing
 * else in Treeline builds a lake path by hand.
 *
 * <pre>
 * root/
 *   raw/&lt;dataset&gt;/        files as fetched (flights-3m.parquet, airports.csv)
 *   tables/&lt;ns&gt;/&lt;table&gt;/  Delta tables, queried in SQL as ns.table
 *   checkpoints/&lt;job&gt;/     streaming checkpoints
 *   models/&lt;name&gt;/&lt;v&gt;/    registered model versions (lake registry)
 *   runs/&lt;run id&gt;/         training runs: model, metrics, report
 * </pre>
 */
public final class LakeLayout {
  private final String root;

  private LakeLayout(String root) {
    this.root = root;
  }

  /** A local path (made absolute against the working directory) or a URI with a scheme. */
  public static LakeLayout at(String location) {
    if (location == null || location.isBlank()) {
      throw Errors.invalidInput("use", "lake root", "it is empty", "Set lake.root to a directory or an s3a:// URI.");
    }
    String trimmed = location.trim();
    if (hasScheme(trimmed)) {
      URI uri = URI.create(trimmed);
      String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
      if (scheme.equals("file")) {
        return new LakeLayout(Path.of(uri).toAbsolutePath().normalize().toString());
      }
      if (!scheme.equals("s3a")) {
        throw Errors.invalidInput("use", "lake root " + trimmed, "scheme '" + scheme + "' is not supported",
            "Use a local directory or an s3a://bucket/prefix URI.");
      }
      return new LakeLayout(stripTrailingSlash(trimmed));
    }
    return new LakeLayout(Path.of(trimmed).toAbsolutePath().normalize().toString());
  }

  private static boolean hasScheme(String location) {
    int colon = location.indexOf(":/");
    return colon > 1 && location.substring(0, colon).matches("[a-zA-Z][a-zA-Z0-9+.-]*");
  }

  private static String stripTrailingSlash(String s) {
    return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
  }

  public String root() {
    return root;
  }

  public boolean isLocal() {
    return !hasScheme(root);
  }

  public String rawArea() {
    return root + "/raw";
  }

  public String rawDataset(String dataset) {
    return rawArea() + "/" + dataset;
  }

  public String tablesRoot() {
    return root + "/tables";
  }

  public String table(TableName name) {
    return tablesRoot() + "/" + name.namespace() + "/" + name.table();
  }

  public String checkpoint(String job) {
    return root + "/checkpoints/" + job;
  }

  public String modelsRoot() {
    return root + "/models";
  }

  public String modelVersion(String model, long version) {
    return modelsRoot() + "/" + model + "/" + version;
  }

  public String runsRoot() {
    return root + "/runs";
  }

  public String run(String runId) {
    return runsRoot() + "/" + runId;
  }

  @Override
  public String toString() {
    return root;
  }
}
