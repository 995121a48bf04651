package io.treeline.serving.auth;

/** Reads the credential out of an {@code Authorization: Bearer <credential>} header (RFC 6750). */
final class BearerToken {
  private static final String SCHEME = "Bearer";

  private BearerToken() {}

  /** The credential, or null if there is no header at all, so the caller can look elsewhere. */
  static String from(String authorizationHeader) {
    if (authorizationHeader == null || authorizationHeader.isBlank()) {
      return null;
    }
    String header = authorizationHeader.strip();
    // The scheme name is case-insensitive (RFC 7235). The rest of a malformed header is never
    // echoed: a client that forgot the scheme has put its secret there.
    if (header.length() <= SCHEME.length() || !header.regionMatches(true, 0, SCHEME, 0, SCHEME.length())
        || header.charAt(SCHEME.length()) != ' ') {
      throw new AuthenticationException("Authorization header must be 'Bearer <credential>'");
    }
    String credential = header.substring(SCHEME.length() + 1).strip();
    if (credential.isEmpty() || credential.indexOf(' ') >= 0) {
      throw new AuthenticationException("Authorization header must be 'Bearer <credential>'");
    }
    return credential;
  }
}
