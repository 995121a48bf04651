package io.treeline.registry;

import io.treeline.core.config.TreelineConfig;
import io.treeline.core.lake.LakeLayout;
import io.treeline.registry.lake.LakeRegistry;
import io.treeline.registry.mlflow.MlflowCredentials;
import io.treeline.registry.mlflow.MlflowRegistry;
import io.treeline.registry.mlflow.RetryPolicy;
import org.apache.spark.sql.SparkSession;

/** Opens the registry the configuration names ({@code registry.type}). */
public final class ModelRegistries {
  private ModelRegistries() {}

  public static ModelRegistry open(TreelineConfig config, SparkSession spark, LakeLayout layout) {
    if ("mlflow".equals(config.registryType())) {
      return new MlflowRegistry(trackingUri(config), MlflowCredentials.fromEnvironment(), RetryPolicy.DEFAULT,
          spark.sparkContext().hadoopConfiguration());
    }
    return new LakeRegistry(spark, layout);
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
