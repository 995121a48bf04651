package io.treeline.core.spark;

import io.treeline.core.config.TreelineConfig;
import io.treeline.core.lake.LakeHadoop;
import io.treeline.core.lake.LakeLayout;
import io.treeline.core.lake.S3LakeSettings;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/**
 * Builds the one SparkSession of a Treeline process. Standalone it runs {@code spark.master}
 * (local[*] by default) with Delta, the UI off and shuffle partitions sized for the machine. Under
 * spark-submit it keeps everything spark-submit configured and only adds what Delta needs and what
 * the user did not set.
 */
public final class SparkSessions {
  static final String DELTA_EXTENSION = "io.delta.sql.DeltaSparkSessionExtension";
  static final String DELTA_CATALOG = "org.apache.spark.sql.delta.catalog.DeltaCatalog";

  private SparkSessions() {}

  /** True when spark-submit (or a notebook's launcher) has already configured Spark for this JVM. */
  public static boolean launchedBySparkSubmit() {
    return System.getProperty("spark.master") != null;
  }

  public static SparkSession create(TreelineConfig config, String appName) {
    SparkConf existing = new SparkConf(true); // reads spark.* system properties set by spark-submit
    Map<String, String> settings = settings(config, existing, LakeLayout.at(config.lakeRoot()),
        launchedBySparkSubmit(), Runtime.getRuntime().availableProcessors());
    SparkSession.Builder builder = SparkSession.builder().appName(appName);
    settings.forEach(builder::config);
    SparkSession session = builder.getOrCreate();
    // A session that already existed (a notebook's, a test's) ignores spark.hadoop.* given to the builder;
    // the lake's S3 settings go on its Hadoop configuration, where every later filesystem reads them.
    Configuration hadoopConf = session.sparkContext().hadoopConfiguration();
    S3LakeSettings.hadoopSettings(config).forEach((key, value) -> {
      if (!existing.contains("spark.hadoop." + key)) {
        hadoopConf.set(key, value);
      }
    });
    config.sparkConf().forEach((key, value) -> {
      if (key.startsWith("spark.hadoop.") && !(launchedBySparkSubmit() && existing.contains(key))) {
        hadoopConf.set(key.substring("spark.hadoop.".length()), value);
      }
    });
    return session;
  }

  /** The settings Treeline adds on top of {@code existing}; package-private for tests. */
  static Map<String, String> settings(
      TreelineConfig config, SparkConf existing, LakeLayout layout, boolean submitted, int cores) {
    Map<String, String> settings = new LinkedHashMap<>();
    if (!submitted) {
      settings.put("spark.master", config.sparkMaster());
      settings.put("spark.ui.enabled", Boolean.toString(config.sparkUiEnabled()));
      settings.put("spark.ui.showConsoleProgress", "false");
      // Delta reconstructs table state with this many partitions; its default of 50 costs seconds locally.
      settings.put("spark.databricks.delta.snapshotPartitions", Integer.toString(Math.max(2, cores)));
    }
    int partitions = config.sparkShufflePartitions() > 0 ? config.sparkShufflePartitions() : 2 * cores;
    putIfUnset(settings, existing, "spark.sql.shuffle.partitions", Integer.toString(partitions));
    // A stream's micro-batch generates more classes than the default 100 kept, and recompiled them every batch.
    putIfUnset(settings, existing, "spark.sql.codegen.cache.maxEntries", "2000");
    putIfUnset(settings, existing, "spark.sql.warehouse.dir", layout.root() + "/warehouse");

    String extensions = existing.get("spark.sql.extensions", "");
    if (!extensions.contains(DELTA_EXTENSION)) {
      settings.put("spark.sql.extensions", extensions.isBlank() ? DELTA_EXTENSION : extensions + "," + DELTA_EXTENSION);
    }
    putIfUnset(settings, existing, "spark.sql.catalog.spark_catalog", DELTA_CATALOG);
    // spark.hadoop.* reaches the executors of a cluster too, which a driver-side Configuration does not.
    S3LakeSettings.hadoopSettings(config).forEach((key, value) -> putIfUnset(settings, existing, "spark.hadoop." + key, value));

    // spark.conf.* from treeline.yaml or --conf: spark-submit's own --conf wins when both set a key.
    config.sparkConf().forEach((key, value) -> {
      if (!submitted || !existing.contains(key)) {
        settings.put(key, value);
      }
    });
    return settings;
  }

  private static void putIfUnset(Map<String, String> settings, SparkConf existing, String key, String value) {
    if (!existing.contains(key)) {
      settings.put(key, value);
    }
  }
}
