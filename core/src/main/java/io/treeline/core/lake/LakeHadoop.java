package io.treeline.core.lake;

import io.treeline.core.config.TreelineConfig;
import org.apache.hadoop.conf.Configuration;

/**
 * The Hadoop settings for lake I/O in a process without a SparkSession (the prediction server, the
 * registry commands, the doctor): Hadoop's defaults plus the lake's S3 settings and the
 * {@code spark.hadoop.*} settings of {@code spark.conf}, as Spark would apply them.
 */
public final class LakeHadoop {
  private LakeHadoop() {}

  public static Configuration configuration(TreelineConfig config) {
    Configuration conf = new Configuration();
    S3LakeSettings.applyTo(conf, config);
    return conf;
  }
}
