package io.treeline.serving.auth;

/**
 * Turns a request's credential headers into a {@link Caller}. Takes the header values rather than
 * the request so the check can be tested, and reused, without an HTTP server.
 */
public interface Authenticator {
  String AUTHORIZATION_HEADER = "Authorization";
  String API_KEY_HEADER = "X-API-Key";

  /**
   * @param authorizationHeader the {@code Authorization} header, or null if the request has none
   * @param apiKeyHeader the {@code X-API-Key} header, or null if the request has none
   * @throws AuthenticationException if the credentials are missing or not accepted
   */
  Caller authenticate(String authorizationHeader, String apiKeyHeader);
}
