package io.treeline.featurestore.online;

import io.treeline.core.config.TreelineConfig;
import io.treeline.core.lake.LakeLayout;
import java.time.Duration;
import org.apache.spark.sql.SparkSession;

/** Builds the online store that online-store.type names. */
public final class OnlineStores {
  private OnlineStores() {}

  public static OnlineStore open(TreelineConfig config, SparkSession spark) {
    return switch (config.onlineStoreType()) {
      case "redis" -> new RedisOnlineStore(config.redisUrl(), Duration.ZERO);
      default -> new EmbeddedOnlineStore(spark, LakeLayout.at(config.lakeRoot()), Duration.ofSeconds(1));
    };
  }

  /** For a prediction server: the embedded store never reloads on a read; the server refreshes it from its own thread. */
  public static OnlineStore openForServing(TreelineConfig config, SparkSession spark) {
    return switch (config.onlineStoreType()) {
      case "redis" -> new RedisOnlineStore(config.redisUrl(), Duration.ZERO);
      default -> new EmbeddedOnlineStore(spark, LakeLayout.at(config.lakeRoot()), null);
    };
  }
}
