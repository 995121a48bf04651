package io.treeline.registry.mlflow;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.treeline.core.testing.TestSpark;
import io.treeline.registry.LoggedRun;
import io.treeline.registry.MlflowServer;
import io.treeline.registry.ModelRegistryContract;
import io.treeline.registry.ModelVersion;
import io.treeline.registry.RunRecord;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Creating calls whose answer is lost after the real server acted: the client must find what the
 * first attempt made rather than make it twice. The proxy forwards the first create and hangs up.
 */
class MlflowRegistrationRetryTest {
  private static final RetryPolicy FAST = new RetryPolicy(4, Duration.ofMillis(20));
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path temp;
  private FlakyProxy proxy;
  private MlflowRegistry registry;

  @BeforeEach
  void startProxy() throws IOException {
    proxy = new FlakyProxy(MlflowServer.shared().url());
    registry = new MlflowRegistry(proxy.url(), MlflowCredentials.from(Map.of()), FAST, TestSpark.session().sparkContext().hadoopConfiguration());
  }

  @AfterEach
  void stopProxy() {
    proxy.close();
  }

  private LoggedRun logRun(String runId) {
    return registry.logRun(new RunRecord(runId, "retries", ModelRegistryContract.runDirectory(temp, 0.7).toString(), Map.of(),
        Map.of("test_auc", 0.7), Map.of(), Instant.now().minusSeconds(5), Instant.now(), true));
  }

  @Test
  void a_lost_answer_to_model_versions_create_registers_exactly_one_version() throws Exception {
    String model = "retry-" + UUID.randomUUID().toString().substring(0, 8);
    LoggedRun run = logRun(model + "-run");
    proxy.dropAnswerAfterForwarding("/model-versions/create", 1);

    ModelVersion version = registry.register(model, run, "model", Map.of());

    assertThat(proxy.answersDropped).hasValue(1);
    assertThat(version.version()).isEqualTo(1);
    assertThat(version.status()).isEqualTo(ModelVersion.READY);
    assertThat(version.manifest().modelType()).isEqualTo("random_forest_classifier");
    assertThat(proxy.requests.stream().filter(r -> r.endsWith("/model-versions/create"))).hasSize(1);
    JsonNode versions = direct("GET", "model-versions/search?filter=" + URLEncoder.encode("name='" + model + "'", StandardCharsets.UTF_8), null);
    assertThat(versions.path("model_versions")).hasSize(1);
    assertThat(registry.versions(model, Map.of())).extracting(ModelVersion::version).containsExactly(1L);
  }

  @Test
  void a_lost_answer_to_runs_create_makes_exactly_one_run() throws Exception {
    String runId = "retry-run-" + UUID.randomUUID().toString().substring(0, 8);
    proxy.dropAnswerAfterForwarding("/runs/create", 1);

    LoggedRun run = logRun(runId);

    assertThat(proxy.answersDropped).hasValue(1);
    assertThat(proxy.requests.stream().filter(r -> r.endsWith("/runs/create"))).hasSize(1);
    JsonNode found = direct("POST", "runs/search", Map.of("experiment_ids", java.util.List.of(run.experimentId()),
        "filter", "attributes.run_name = '" + runId + "'"));
    assertThat(found.path("runs")).hasSize(1);
    assertThat(found.at("/runs/0/info/run_id").asText()).isEqualTo(run.runId());
  }

  @Test
  void a_create_the_server_never_saw_is_sent_again_once_nothing_was_found() {
    String model = "retry-" + UUID.randomUUID().toString().substring(0, 8);
    LoggedRun run = logRun(model + "-run");
    proxy.refuseBeforeForwarding("/model-versions/create", 2);

    ModelVersion version = registry.register(model, run, "model", Map.of());

    assertThat(version.version()).isEqualTo(1);
    assertThat(proxy.requests.stream().filter(r -> r.endsWith("/model-versions/create"))).hasSize(3);
    assertThat(proxy.requests.stream().filter(r -> r.endsWith("/model-versions/search"))).hasSizeGreaterThanOrEqualTo(2);
    assertThat(registry.versions(model, Map.of())).hasSize(1);
  }

  /** A call straight to the server, past the proxy: what MLflow really holds. */
  private static JsonNode direct(String method, String path, Map<String, Object> body) throws IOException, InterruptedException {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(MlflowServer.shared().url() + "/api/2.0/mlflow/" + path));
    request = body == null ? request.GET()
        : request.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
    return JSON.readTree(HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString()).body());
  }
}
