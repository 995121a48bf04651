package io.treeline.serving.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.treeline.core.config.ConfigLoader;
import io.treeline.core.config.TreelineConfig;
import io.treeline.serving.auth.Authenticator;
import io.treeline.serving.auth.TestTokens;
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
}
