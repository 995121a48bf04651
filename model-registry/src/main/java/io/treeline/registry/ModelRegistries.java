package io.treeline.registry;

import io.treeline.core.config.TreelineConfig;
import io.treeline.core.lake.LakeLayout;
import io.treeline.registry.lake.LakeRegistry;
import io.treeline.registry.mlflow.MlflowCredentials;
import io.treeline.registry.mlflow.MlflowRegistry;
import io.treeline.registry.mlflow.RetryPolicy;
import java.util.function.Supplier;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;

/** Opens the registry the configuration names ({@code registry.type}). */
public final class ModelRegistries {
  private ModelRegistries() {}

  /**
   * @param spark the session, started only for the lake registry (MLflow needs no Spark)
   * @param hadoop Hadoop settings for artifact stores that MLflow shares as paths (local, s3a)
   */
  public static ModelRegistry open(TreelineConfig config, LakeLayout layout, Supplier<SparkSession> spark, Supplier<Configuration> hadoop) {
    if ("mlflow".equals(config.registryType())) {
      return new MlflowRegistry(trackingUri(config), MlflowCredentials.fromEnvironment(), RetryPolicy.DEFAULT, hadoop.get());
    }
    return new LakeRegistry(spark.get(), layout);
  }

  /** registry.mlflow.tracking-uri, or MLflow's own MLFLOW_TRACKING_URI when that is empty. */
  public static String trackingUri(TreelineConfig config) {
    String configured = config.mlflowTrackingUri();
    if (configured != null && !configured.isBlank()) {
      return configured;
    }
    String env = System.getenv("MLFLOW_TRACKING_URI");
    return env == null ? "" : env;
  }
}
