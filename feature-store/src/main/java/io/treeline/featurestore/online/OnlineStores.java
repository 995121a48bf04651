package io.treeline.featurestore.online;

import io.treeline.core.config.TreelineConfig;
import io.treeline.core.lake.LakeLayout;
import java.time.Duration;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;

/** Builds the online store that online-store.type names. */
public final class OnlineStores {
  private OnlineStores() {}

  /** For jobs, which write to the store with Spark. */
  public static OnlineStore open(TreelineConfig config, SparkSession spark) {
    return switch (config.onlineStoreType()) {
      case "redis" -> new RedisOnlineStore(config.redisUrl(), RedisTls.readCaFile(config.redisCaFile()), Duration.ZERO);
      default -> new EmbeddedOnlineStore(spark, LakeLayout.at(config.lakeRoot()), Duration.ofSeconds(1));
    };
  }

  /**
   * For a prediction server, without Spark: the embedded store never reloads on a read; the server
   * refreshes it from its own thread.
   *
   * @param hadoop the lake's Hadoop settings, e.g. {@link io.treeline.core.lake.LakeHadoop#configuration}
   */
  public static OnlineReader openForServing(TreelineConfig config, Configuration hadoop) {
    return switch (config.onlineStoreType()) {
      case "redis" -> new RedisOnlineReader(config.redisUrl(), RedisTls.readCaFile(config.redisCaFile()));
      default -> new EmbeddedOnlineReader(LakeLayout.at(config.lakeRoot()), hadoop, null);
    };
  }

}
