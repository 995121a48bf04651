package io.treeline.core.testing;

import io.treeline.core.lake.LakeHadoop;
import io.treeline.core.config.TreelineConfig;
import io.treeline.core.lake.LakeLayout;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A lake at {@code s3a://<new bucket>/lake} on the JVM's S3Proxy ({@link S3Server#shared()}). Each
 * instance has a bucket of its own, so S3A's per-bucket filesystem cache never mixes settings of two
 * tests. The static keys are test-only and go in as {@code spark.hadoop.fs.s3a.*}; production uses the
 * AWS default chain.
 */
public final class S3Lake {
  private final S3Server server;
  private final String bucket;

  public S3Lake() {
    this(S3Server.shared());
  }

  public S3Lake(S3Server server) {
    this.server = server;
    this.bucket = "treeline-" + UUID.randomUUID().toString().substring(0, 8);
    server.createBucket(bucket);
  }

  public S3Server server() {
    return server;
  }

  public String bucket() {
    return bucket;
  }

  public String root() {
    return "s3a://" + bucket + "/lake";
  }

  public LakeLayout layout() {
    return LakeLayout.at(root());
  }

  /** The lake's settings without credentials: endpoint, region, path-style access. */
  public Map<String, String> settingsWithoutCredentials() {
    Map<String, String> settings = new LinkedHashMap<>();
    settings.put("lake.root", root());
    settings.put("lake.s3.endpoint", server.endpoint());
    settings.put("lake.s3.region", S3Server.REGION);
    settings.put("lake.s3.path-style-access", "true");
    return settings;
  }

  /** All settings a command needs for this lake, static test keys included. */
  public Map<String, String> settings() {
    Map<String, String> settings = settingsWithoutCredentials();
    settings.put("spark.conf.spark.hadoop.fs.s3a.access.key", S3Server.ACCESS_KEY);
    settings.put("spark.conf.spark.hadoop.fs.s3a.secret.key", S3Server.SECRET_KEY);
    return settings;
  }

  /** The settings as command-line arguments: --conf k=v ... */
  public List<String> confArgs() {
    List<String> args = new ArrayList<>();
    settings().forEach((k, v) -> {
      args.add("--conf");
      args.add(k + "=" + v);
    });
    return args;
  }

  /** Test settings (local[2], two shuffle partitions) for this lake, plus any overrides. */
  public TreelineConfig config(Map<String, String> overrides) {
    Map<String, String> all = new HashMap<>(settings());
    all.put("spark.master", "local[2]");
    all.put("spark.shuffle-partitions", "2");
    all.putAll(overrides);
    return TreelineConfig.defaults().with(all);
  }

  public TreelineConfig config() {
    return config(Map.of());
  }

  /** Object keys under {@code lake/<relative>}, read from the server's store. */
  public List<String> keys(String relative) {
    return server.keys(bucket, relative.isEmpty() ? "lake/" : "lake/" + relative);
  }

  /** Uploads the committed flights slice and airports file to the raw area through S3A, as `data fetch` would. */
  public void stageFlightsSlice() {
    try {
      FileSystem fs = FileSystem.get(java.net.URI.create(root()), LakeHadoop.configuration(config()));
      String raw = layout().rawDataset("vega-datasets-3.2.1");
      fs.copyFromLocalFile(new Path(TestData.flightsSlice().toUri()), new Path(raw + "/flights-3m.parquet"));
      fs.copyFromLocalFile(new Path(TestData.airports().toUri()), new Path(raw + "/airports.csv"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
