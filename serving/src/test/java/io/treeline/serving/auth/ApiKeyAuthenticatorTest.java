package io.treeline.serving.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ApiKeyAuthenticatorTest {
  private final ApiKeyAuthenticator keys = new ApiKeyAuthenticator(Map.of(
      "dashboard", "k-dashboard-5f1c0e",
      "batch-scorer", "k-batch-9a27d4"));

  @Test
  void acceptsTheKeyInTheApiKeyHeader() {
    assertThat(keys.authenticate(null, "k-dashboard-5f1c0e")).isEqualTo(new Caller("dashboard"));
  }

  @Test
  void acceptsTheKeyAsABearerCredential() {
    assertThat(keys.authenticate("Bearer k-dashboard-5f1c0e", null)).isEqualTo(new Caller("dashboard"));
    assertThat(keys.authenticate("bearer  k-dashboard-5f1c0e ", "")).isEqualTo(new Caller("dashboard"));
  }

  @Test
  void twoKeysAreTwoCallers() {
    assertThat(keys.authenticate(null, "k-batch-9a27d4")).isEqualTo(new Caller("batch-scorer"));
    assertThat(keys.authenticate(null, "k-dashboard-5f1c0e")).isEqualTo(new Caller("dashboard"));
  }

  @Test
  void refusesARequestWithoutKey() {
    assertThatThrownBy(() -> keys.authenticate(null, null))
        .isInstanceOf(AuthenticationException.class)
        .hasMessage("missing credentials: send 'X-API-Key: <key>' or 'Authorization: Bearer <key>'");
    assertThatThrownBy(() -> keys.authenticate("  ", " "))
        .hasMessage("missing credentials: send 'X-API-Key: <key>' or 'Authorization: Bearer <key>'");
  }

  @Test
  void refusesAWrongKeyWithoutEchoingIt() {
    assertThatThrownBy(() -> keys.authenticate(null, "k-dashboard-5f1c0f"))
        .isInstanceOf(AuthenticationException.class)
        .hasMessage("invalid API key");
    assertThatThrownBy(() -> keys.authenticate("Bearer k-dashboard", null)).hasMessage("invalid API key");
  }

  @Test
  void refusesAnotherSchemeWithoutEchoingTheHeader() {
    assertThatThrownBy(() -> keys.authenticate("k-dashboard-5f1c0e", null))
        .isInstanceOf(AuthenticationException.class)
        .hasMessage("Authorization header must be 'Bearer <credential>'");
    assertThatThrownBy(() -> keys.authenticate("Basic ZGFzaGJvYXJkOms=", null))
        .hasMessage("Authorization header must be 'Bearer <credential>'");
    assertThatThrownBy(() -> keys.authenticate("Bearer ", null))
        .hasMessage("Authorization header must be 'Bearer <credential>'");
  }

  @Test
  void refusesAmbiguousConfiguration() {
    assertThatThrownBy(() -> new ApiKeyAuthenticator(Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("no API keys configured: every request would be refused");
    assertThatThrownBy(() -> new ApiKeyAuthenticator(Map.of("a", " ")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("API key 'a' is empty");
    assertThatThrownBy(() -> new ApiKeyAuthenticator(Map.of("a", "same-key", "b", "same-key")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageEndingWith("is the same key as another name's")
        .hasMessageNotContaining("same-key");
  }
}
