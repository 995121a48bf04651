package io.treeline.registry.mlflow;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;

/**
 * Credentials for the tracking server, from the variables MLflow's own clients read:
 * {@code MLFLOW_TRACKING_TOKEN} (bearer) or {@code MLFLOW_TRACKING_USERNAME} and
 * {@code MLFLOW_TRACKING_PASSWORD} (basic). They are never logged: {@link #toString()} names only
 * the kind.
 */
public final class MlflowCredentials {
  private final String token;
  private final String username;
  private final String password;

  private MlflowCredentials(String token, String username, String password) {
    this.token = token;
    this.username = username;
    this.password = password;
  }

  public static MlflowCredentials fromEnvironment() {
    return from(System.getenv());
  }

  static MlflowCredentials from(Map<String, String> env) {
    String token = blankToNull(env.get("MLFLOW_TRACKING_TOKEN"));
    String username = blankToNull(env.get("MLFLOW_TRACKING_USERNAME"));
    String password = blankToNull(env.get("MLFLOW_TRACKING_PASSWORD"));
    return new MlflowCredentials(token, username, password);
  }

  /** The Authorization header value, if any. */
  Optional<String> authorization() {
    if (token != null) {
      return Optional.of("Bearer " + token);
    }
    if (username != null) {
      String pair = username + ":" + (password == null ? "" : password);
      return Optional.of("Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8)));
    }
    return Optional.empty();
  }

  @Override
  public String toString() {
    return token != null ? "token (MLFLOW_TRACKING_TOKEN)" : username != null ? "user " + username + " (MLFLOW_TRACKING_USERNAME)" : "none";
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }
}
