package io.treeline.registry.mlflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.treeline.core.error.InvalidInputException;
import io.treeline.core.error.JobFailedException;
import io.treeline.core.testing.TestSpark;
import io.treeline.registry.MlflowServer;
import io.treeline.registry.ModelRef;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Retries, errors and credentials of the MLflow client, through a fault-injecting proxy to the real server. */
class MlflowHttpTest {
  private static final RetryPolicy FAST = new RetryPolicy(4, Duration.ofMillis(20));
  private FlakyProxy proxy;

  @BeforeEach
  void startProxy() throws IOException {
    proxy = new FlakyProxy(MlflowServer.shared().url());
  }

  @AfterEach
  void stopProxy() {
    proxy.close();
  }

  private MlflowRegistry registry(String url, Map<String, String> env) {
    return new MlflowRegistry(url, MlflowCredentials.from(env), FAST, TestSpark.session().sparkContext().hadoopConfiguration());
  }

  @Test
  void server_errors_are_retried_until_the_server_answers() {
    MlflowRegistry registry = registry(proxy.url(), Map.of());
    proxy.failNext(3);

    assertThat(registry.models()).isNotNull();
    assertThat(proxy.requests.subList(0, 4)).containsOnly("GET /api/2.0/mlflow/registered-models/search");
  }

  @Test
  void the_artifact_api_retries_too() {
    MlflowHttp http = new MlflowHttp(proxy.url(), MlflowCredentials.from(Map.of()), FAST);
    proxy.failNext(2);

    assertThat(http.listArtifacts("").has("files") || http.listArtifacts("").isObject()).isTrue();
    assertThat(proxy.requests.subList(0, 3)).containsOnly("GET /api/2.0/mlflow-artifacts/artifacts");
  }

  @Test
  void client_errors_are_not_retried() {
    MlflowRegistry registry = registry(proxy.url(), Map.of());

    assertThatThrownBy(() -> registry.resolve(ModelRef.parse("no-such-model@champion")))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("no model of that name");
    assertThat(proxy.requests.stream().filter(r -> r.endsWith("registered-models/get"))).hasSize(1);
  }

  @Test
  void a_server_that_keeps_failing_is_reported_after_the_last_attempt() {
    MlflowRegistry registry = registry(proxy.url(), Map.of());
    proxy.failNext(100);

    assertThatThrownBy(registry::models).isInstanceOf(JobFailedException.class)
        .hasMessageContaining("Cannot call the MLflow tracking server at " + proxy.url())
        .hasMessageContaining("failed 4 times, the last with HTTP 503");
    assertThat(proxy.requests).hasSize(4);
  }

  @Test
  void connection_errors_are_retried_then_reported_with_the_address() throws IOException {
    int closed;
    try (ServerSocket socket = new ServerSocket(0)) {
      closed = socket.getLocalPort();
    }
    MlflowRegistry registry = registry("http://127.0.0.1:" + closed, Map.of());

    assertThatThrownBy(registry::models).isInstanceOf(JobFailedException.class)
        .hasMessageContaining("http://127.0.0.1:" + closed).hasMessageContaining("failed 4 times");
  }

  @Test
  void a_token_is_sent_as_bearer_on_every_kind_of_call_and_never_shown() {
    MlflowRegistry registry = registry(proxy.url(), Map.of("MLFLOW_TRACKING_TOKEN", "s3cret-token"));
    registry.models();
    new MlflowHttp(proxy.url(), MlflowCredentials.from(Map.of("MLFLOW_TRACKING_TOKEN", "s3cret-token")), FAST).listArtifacts("");

    assertThat(proxy.authorizations).isNotEmpty().containsOnly("Bearer s3cret-token");
    assertThat(MlflowCredentials.from(Map.of("MLFLOW_TRACKING_TOKEN", "s3cret-token")).toString()).doesNotContain("s3cret");
    proxy.failNext(100);
    assertThatThrownBy(registry::models).satisfies(e -> assertThat(e.getMessage()).doesNotContain("s3cret"));
  }

  @Test
  void a_username_and_password_are_sent_as_basic_auth_and_never_shown() {
    Map<String, String> env = Map.of("MLFLOW_TRACKING_USERNAME", "ana", "MLFLOW_TRACKING_PASSWORD", "pa55word");
    registry(proxy.url(), env).models();

    String expected = "Basic " + java.util.Base64.getEncoder().encodeToString("ana:pa55word".getBytes());
    assertThat(proxy.authorizations).isNotEmpty().containsOnly(expected);
    assertThat(MlflowCredentials.from(env).toString()).contains("ana").doesNotContain("pa55word");
  }

  @Test
  void a_tracking_uri_that_is_not_http_is_refused_with_what_to_set() {
    assertThatThrownBy(() -> registry("127.0.0.1:5000", Map.of())).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("it is not an http(s) URL");
    assertThatThrownBy(() -> registry("", Map.of())).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("no tracking URI is set");
  }
}
