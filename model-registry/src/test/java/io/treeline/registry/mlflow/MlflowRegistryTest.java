package io.treeline.registry.mlflow;

import io.treeline.core.testing.TestSpark;
import io.treeline.registry.MlflowServer;
import io.treeline.registry.ModelRegistry;
import io.treeline.registry.ModelRegistryContract;
import org.junit.jupiter.api.BeforeAll;

class MlflowRegistryTest extends ModelRegistryContract {
  private static MlflowRegistry registry;

  @BeforeAll
  static void open() {
    registry = client();
  }

  static MlflowRegistry client() {
    return new MlflowRegistry(MlflowServer.shared().url(), MlflowCredentials.from(java.util.Map.of()), RetryPolicy.DEFAULT,
        TestSpark.session().sparkContext().hadoopConfiguration());
  }

  @Override
  protected ModelRegistry registry() {
    return registry;
  }

  @Override
  protected ModelRegistry concurrentRegistry() {
    return client();
  }
}
