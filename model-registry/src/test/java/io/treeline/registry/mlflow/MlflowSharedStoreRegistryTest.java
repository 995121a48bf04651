package io.treeline.registry.mlflow;

import static org.assertj.core.api.Assertions.assertThat;

import io.treeline.core.testing.TestSpark;
import io.treeline.registry.LoggedRun;
import io.treeline.registry.MlflowServer;
import io.treeline.registry.ModelRegistry;
import io.treeline.registry.ModelRegistryContract;
import io.treeline.registry.ModelVersion;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The contract against an MLflow server that does not proxy artifacts: run artifact URIs are paths
 * in a store both sides reach, and Treeline writes and reads them there directly.
 */
class MlflowSharedStoreRegistryTest extends ModelRegistryContract {
  private static MlflowServer server;
  private static MlflowRegistry registry;

  @BeforeAll
  static void open() {
    server = MlflowServer.startWithSharedArtifactStore();
    registry = client();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static MlflowRegistry client() {
    return new MlflowRegistry(server.url(), MlflowCredentials.from(Map.of()), RetryPolicy.DEFAULT,
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

  @Test
  void artifacts_are_written_straight_into_the_shared_store() {
    LoggedRun run = logRun(0.7);
    ModelVersion version = registry.register(newModelName(), run, "model", Map.of());

    assertThat(run.artifactUri()).doesNotStartWith("mlflow-artifacts:").contains("shared-artifacts");
    Path local = Path.of(run.artifactUri().replaceFirst("^file:", ""));
    assertThat(local.resolve("model/MLmodel")).exists();
    assertThat(local.resolve("report.md")).exists();
    assertThat(version.source()).startsWith(run.artifactUri());
    assertThat(Files.exists(local.resolve("model/sparkml/metadata"))).isTrue();
  }
}
