package io.treeline.serving.auth;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.interfaces.RSAPublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Objects;

/**
 * Accepts signed JWTs (compact JWS) sent as {@code Authorization: Bearer <token>}; the caller is the
 * token's {@code sub}. The algorithm is pinned when the server starts, never read from the token: a
 * token that names another one is refused before its signature is looked at.
 */
public final class JwtAuthenticator implements Authenticator {
  static final String ANONYMOUS = "anonymous";

  // Duplicate keys are refused so that no two parsers can read one token as two different claims.
  private static final ObjectMapper JSON = JsonMapper.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .build();

  private final SignatureVerifier verifier;
  private final TokenClaims claims;

  private JwtAuthenticator(SignatureVerifier verifier, TokenClaims claims) {
    this.verifier = verifier;
    this.claims = claims;
  }

  /** Tokens signed with HMAC-SHA256 and this shared secret (at least 32 bytes). */
  public static Builder hs256(byte[] secret) {
    return new Builder(SignatureVerifier.hs256(secret));
  }

  /** Tokens signed with RSA-SHA256 by the holder of the private half of a {@code BEGIN PUBLIC KEY} PEM. */
  public static Builder rs256(String publicKeyPem) {
    return new Builder(SignatureVerifier.rs256(PemKeys.rsaPublicKey(publicKeyPem)));
  }

  public static Builder rs256(RSAPublicKey publicKey) {
    return new Builder(SignatureVerifier.rs256(Objects.requireNonNull(publicKey, "publicKey")));
  }

  @Override
  public Caller authenticate(String authorizationHeader, String apiKeyHeader) {
    String token = BearerToken.from(authorizationHeader);
    if (token == null) {
      throw new AuthenticationException("missing credentials: send 'Authorization: Bearer <token>'");
    }
    String[] parts = token.split("\\.", -1);
    if (parts.length != 3) {
      throw malformed("expected header.payload.signature, got " + parts.length + " part(s)");
    }
    checkHeader(json(parts[0], "header"));
    byte[] signature = base64url(parts[2], "signature");
    // The signature covers the segments as sent, not as re-encoded, so they are verified as they are.
    byte[] signingInput = (parts[0] + '.' + parts[1]).getBytes(StandardCharsets.US_ASCII);
    if (!verifier.verifies(signingInput, signature)) {
      throw new AuthenticationException("token signature does not verify");
    }
    return claims.check(json(parts[1], "payload"));
  }

  private void checkHeader(JsonNode header) {
    JsonNode alg = header.get("alg");
    if (alg == null || !alg.isTextual()) {
      throw malformed("header has no 'alg'");
    }
    // An exact match, so 'none', 'None' and an HS256 token "signed" with the RSA public key all fail
    // here, whatever the signature says.
    if (!alg.textValue().equals(verifier.algorithm())) {
      throw new AuthenticationException("token algorithm " + quoted(alg.textValue()) + " is not accepted; expected "
          + verifier.algorithm());
    }
    JsonNode typ = header.get("typ");
    // Media type names are case-insensitive (RFC 7515 4.1.9), so 'jwt' is the same type.
    if (typ != null && !(typ.isTextual() && typ.textValue().equalsIgnoreCase("JWT"))) {
      throw new AuthenticationException("token type " + quoted(typ.asText()) + " is not accepted; expected JWT");
    }
    // RFC 7515 4.1.11: a verifier that does not understand a critical extension must refuse the token.
    if (header.has("crit")) {
      throw new AuthenticationException("token header lists critical extensions ('crit'), which are not supported");
    }
  }

  private static JsonNode json(String segment, String name) {
    JsonNode node;
    try {
      node = JSON.readTree(base64url(segment, name));
    } catch (IOException e) {
      throw malformed(name + " is not JSON");
    }
    if (node == null || !node.isObject()) {
      throw malformed(name + " is not a JSON object");
    }
    return node;
  }

  private static byte[] base64url(String segment, String name) {
    try {
      return Base64.getUrlDecoder().decode(segment);
    } catch (IllegalArgumentException e) {
      throw malformed(name + " is not base64url");
    }
  }

  static AuthenticationException malformed(String detail) {
    return new AuthenticationException("malformed token: " + detail);
  }

  /** A value the client sent, made safe to put in a message that may end up in a log line. */
  static String quoted(String value) {
    StringBuilder out = new StringBuilder("'");
    value.codePoints().limit(40).forEach(c -> out.appendCodePoint(c >= 0x20 && c < 0x7f ? c : '?'));
    return out.append(value.codePointCount(0, value.length()) > 40 ? "...'" : "'").toString();
  }

  /** What a token must claim besides a valid signature; the factory that made the builder fixed the key. */
  public static final class Builder {
    private final SignatureVerifier verifier;
    private String issuer;
    private String audience;
    private Duration leeway = Duration.ofSeconds(30);
    private Clock clock = Clock.systemUTC();

    private Builder(SignatureVerifier verifier) {
      this.verifier = verifier;
    }

    /** Refuses tokens whose {@code iss} is not exactly this. */
    public Builder issuer(String expected) {
      this.issuer = Objects.requireNonNull(expected, "issuer");
      return this;
    }

    /** Refuses tokens whose {@code aud} (a string or an array) does not include this. */
    public Builder audience(String expected) {
      this.audience = Objects.requireNonNull(expected, "audience");
      return this;
    }

    /** How far the issuer's clock may be off ours when {@code exp} and {@code nbf} are checked; 30 s by default. */
    public Builder leeway(Duration leeway) {
      if (leeway.isNegative()) {
        throw new IllegalArgumentException("leeway must not be negative, got " + leeway);
      }
      this.leeway = leeway;
      return this;
    }

    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    public JwtAuthenticator build() {
      return new JwtAuthenticator(verifier, new TokenClaims(issuer, audience, leeway, clock));
    }
  }
}
