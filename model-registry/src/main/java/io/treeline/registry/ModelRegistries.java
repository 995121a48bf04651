package io.treeline.registry;

import io.treeline.core.config.TreelineConfig;
import io.treeline.core.lake.LakeLayout;
import io.treeline.registry.lake.LakeRegistry;
import io.treeline.registry.mlflow.MlflowCredentials;
import io.treeline.registry.mlflow.MlflowRegistry;
import io.treeline.registry.mlflow.RetryPolicy;
import java.util.function.Supplier;
import org.apache.hadoop.conf.Configuration;

/** Opens the registry the configuration names ({@code registry.type}). */
public final class ModelRegistries {
  private ModelRegistries() {}

  /**
   * Opens the registry without Spark: the lake registry reads and writes its tables with Delta Kernel.
   *
   * @param hadoop Hadoop settings for the lake and for artifact stores that MLflow shares as paths (local, s3a),
   *     e.g. {@link io.treeline.core.lake.LakeHadoop#configuration}
   */
  public static ModelRegistry open(TreelineConfig config, LakeLayout layout, Supplier<Configuration> hadoop) {
    if ("mlflow".equals(config.registryType())) {
      return new MlflowRegistry(trackingUri(config), MlflowCredentials.fromEnvironment(), RetryPolicy.DEFAULT, hadoop.get());
    }
    return new LakeRegistry(layout, hadoop.get());
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
