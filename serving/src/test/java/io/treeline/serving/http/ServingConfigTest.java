package io.treeline.serving.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.treeline.core.config.ConfigLoader;
import io.treeline.core.config.TreelineConfig;
import io.treeline.core.error.InvalidInputException;
import io.treeline.serving.auth.Authenticator;
import io.treeline.serving.auth.TestTokens;
import io.treeline.serving.inference.InferenceLogSettings;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServingConfigTest {
  @TempDir Path dir;

  private static TreelineConfig config(String... overrides) {
    return ConfigLoader.builder().environment(Map.of()).overrides(List.of(overrides)).load();
  }

  @Test
  void an_hs256_secret_file_ending_in_a_line_break_verifies_tokens_signed_with_its_text() throws Exception {
    String secret = "9f1c2a7e5b3d4c6a8e0f1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f5a6"; // openssl rand -hex 32
    Path file = Files.writeString(dir.resolve("hs256.key"), secret + "\r\n\n");
    Authenticator jwt = ServingConfig.options(config("serving.auth.type=jwt", "serving.auth.jwt.algorithm=hs256",
        "serving.auth.jwt.key-file=" + file)).authenticator();

    Map<String, Object> claims = TestTokens.claims("scorer");
    claims.put("iat", Instant.now().getEpochSecond());
    claims.put("exp", Instant.now().plusSeconds(300).getEpochSecond());
    String token = TestTokens.hs256(secret.getBytes(StandardCharsets.US_ASCII), claims);

    assertThat(jwt.authenticate("Bearer " + token, null).id()).isEqualTo("scorer");
    assertThat(ServingConfig.hs256Secret(file)).hasSize(64);
  }

  @Test
  void shutdown_and_header_limits_are_settings() {
    ServerOptions defaults = ServingConfig.options(TreelineConfig.defaults());
    assertThat(defaults.shutdownDrain()).isEqualTo(Duration.ofSeconds(5));
    assertThat(defaults.maxRequestHeaderBytes()).isEqualTo(16_384);

    ServerOptions set = ServingConfig.options(config("serving.shutdown-drain-seconds=0", "serving.max-request-header-bytes=65536"));
    assertThat(set.shutdownDrain()).isZero();
    assertThat(set.maxRequestHeaderBytes()).isEqualTo(65_536);
  }

  @Test
  void the_inference_log_is_on_by_default_into_the_lakes_monitoring_table() {
    InferenceLogSettings log = ServingConfig.options(config("lake.root=" + dir.resolve("lake"))).inferenceLog();

    assertThat(log.enabled()).isTrue();
    assertThat(log.sample()).isEqualTo(1.0);
    assertThat(log.queueCapacity()).isEqualTo(20_000);
    assertThat(log.batchRows()).isEqualTo(5_000);
    assertThat(log.flushInterval()).isEqualTo(Duration.ofSeconds(1));
    assertThat(log.server()).as("host:pid").endsWith(":" + ProcessHandle.current().pid());
    assertThat(log.appender().destination()).isEqualTo(dir.resolve("lake").toAbsolutePath() + "/tables/monitoring/inference_log");

    InferenceLogSettings set = ServingConfig.options(config("serving.inference-log.sample=0.25", "serving.inference-log.server-id=replica-7",
        "serving.inference-log.table=audit.predictions", "serving.inference-log.flush-interval-ms=250")).inferenceLog();
    assertThat(set.sample()).isEqualTo(0.25);
    assertThat(set.server()).isEqualTo("replica-7");
    assertThat(set.flushInterval()).isEqualTo(Duration.ofMillis(250));
    assertThat(set.appender().destination()).endsWith("/tables/audit/predictions");
    assertThat(ServingConfig.options(config("serving.inference-log.enabled=false")).inferenceLog()).isEqualTo(InferenceLogSettings.OFF);
  }

  @Test
  void the_inference_log_spools_under_the_temporary_directory_per_port_and_table_on_a_fixed_port_only() {
    InferenceLogSettings.Spool spool = ServingConfig.options(config("serving.port=8080")).inferenceLog().spool();
    Path spools = Path.of(System.getProperty("java.io.tmpdir"), "treeline-inference-spool");
    assertThat(spool.directory().getParent()).isEqualTo(spools);
    assertThat(spool.directory().getFileName().toString()).matches("8080-[0-9a-f]{8}");
    assertThat(spool.busyRate()).isEqualTo(1_000);
    assertThat(spool.maxDelay()).isEqualTo(Duration.ofMinutes(5));
    assertThat(spool.maxBytes()).isEqualTo(1L << 30);
    assertThat(ServingConfig.options(config("serving.port=8080", "serving.inference-log.table=audit.predictions")).inferenceLog().spool().directory())
        .as("another table, another spool").isNotEqualTo(spool.directory());
    assertThat(ServingConfig.options(config("serving.port=0")).inferenceLog().spool()).as("a random port: no later server would find its files").isNull();
    assertThat(ServingConfig.options(config("serving.port=8081")).inferenceLog().spool().directory().getFileName().toString())
        .as("two servers on two ports of one host: two spools").startsWith("8081-");
    assertThat(ServingConfig.options(config("serving.port=8080", "serving.inference-log.spool-dir=off")).inferenceLog().spool()).isNull();

    InferenceLogSettings.Spool set = ServingConfig.options(config("serving.port=0", "serving.inference-log.spool-dir=" + dir.resolve("spool"),
        "serving.inference-log.spool-busy-rate=0", "serving.inference-log.spool-max-delay-seconds=30", "serving.inference-log.spool-max-mb=64"))
        .inferenceLog().spool();
    assertThat(set).isEqualTo(new InferenceLogSettings.Spool(dir.resolve("spool"), 0, Duration.ofSeconds(30), 64L << 20));
    assertThatThrownBy(() -> ServingConfig.options(config("serving.port=8080", "serving.inference-log.spool-busy-rate=-1")))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("serving.inference-log.spool-busy-rate is -1");
    assertThatThrownBy(() -> ServingConfig.options(config("serving.port=8080", "serving.inference-log.spool-max-mb=0")))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("serving.inference-log.spool-max-mb");
  }

  @Test
  void an_inference_log_sample_outside_zero_to_one_or_a_bad_table_stops_the_start_naming_the_key() {
    assertThatThrownBy(() -> ServingConfig.options(config("serving.inference-log.sample=1.5")))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("Cannot start the inference log: serving.inference-log.sample is '1.5'")
        .satisfies(e -> assertThat(((InvalidInputException) e).remedy()).startsWith("Set a number from 0.0 (no request recorded) to 1.0 (every request)"));
    assertThatThrownBy(() -> ServingConfig.options(config("serving.inference-log.sample=all")))
        .hasMessageContaining("serving.inference-log.sample is 'all'");
    assertThatThrownBy(() -> ServingConfig.options(config("serving.inference-log.table=inference_log")))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("serving.inference-log.table is 'inference_log', not namespace.table");
    assertThatThrownBy(() -> ServingConfig.options(config("serving.inference-log.batch-rows=0")))
        .hasMessageContaining("serving.inference-log.batch-rows is 0");
  }
}
