package io.treeline.serving.auth;

import static io.treeline.serving.auth.JwtAuthenticator.malformed;
import static io.treeline.serving.auth.JwtAuthenticator.quoted;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;

/** The registered claims of a token whose signature has verified (RFC 7519 4.1). */
final class TokenClaims {
  private final String issuer;
  private final String audience;
  private final Duration leeway;
  private final Clock clock;

  /** @param issuer the expected {@code iss}, or null to accept any; likewise {@code audience} */
  TokenClaims(String issuer, String audience, Duration leeway, Clock clock) {
    this.issuer = issuer;
    this.audience = audience;
    this.leeway = leeway;
    this.clock = clock;
  }

  Caller check(JsonNode claims) {
    Instant now = clock.instant();
    Instant expiry = numericDate(claims, "exp");
    // A token without an expiry would stay valid forever once leaked.
    if (expiry == null) {
      throw new AuthenticationException("token has no expiry ('exp' claim)");
    }
    // Leeway is taken off now, not added to the token's times, which may be near Instant's limits.
    if (!now.minus(leeway).isBefore(expiry)) {
      throw new AuthenticationException("token expired at " + expiry);
    }
    Instant notBefore = numericDate(claims, "nbf");
    if (notBefore != null && now.plus(leeway).isBefore(notBefore)) {
      throw new AuthenticationException("token is not valid before " + notBefore);
    }
    if (issuer != null) {
      JsonNode iss = claims.get("iss");
      if (iss == null || !iss.isTextual()) {
        throw new AuthenticationException("token has no issuer; expected '" + issuer + "'");
      }
      if (!iss.textValue().equals(issuer)) {
        throw new AuthenticationException("token issuer " + quoted(iss.textValue()) + " is not '" + issuer + "'");
      }
    }
    if (audience != null && !hasAudience(claims.get("aud"))) {
      throw new AuthenticationException("token audience does not include '" + audience + "'");
    }
    JsonNode sub = claims.get("sub");
    if (sub == null || sub.isNull()) {
      return new Caller(JwtAuthenticator.ANONYMOUS);
    }
    if (!sub.isTextual()) {
      throw malformed("'sub' is not a string");
    }
    return new Caller(sub.textValue());
  }

  private boolean hasAudience(JsonNode aud) {
    if (aud == null || aud.isNull()) {
      return false;
    }
    if (aud.isTextual()) {
      return aud.textValue().equals(audience);
    }
    if (!aud.isArray()) {
      throw malformed("'aud' is neither a string nor an array of strings");
    }
    for (JsonNode one : aud) {
      if (one.isTextual() && one.textValue().equals(audience)) {
        return true;
      }
    }
    return false;
  }

  /** A NumericDate: seconds since the epoch, possibly fractional. */
  private static Instant numericDate(JsonNode claims, String name) {
    JsonNode node = claims.get(name);
    if (node == null || node.isNull()) {
      return null;
    }
    if (!node.isNumber()) {
      throw malformed("'" + name + "' is not a number of seconds since the epoch");
    }
    try {
      BigDecimal seconds = node.decimalValue();
      long whole = seconds.setScale(0, RoundingMode.FLOOR).longValueExact();
      int nanos = seconds.subtract(BigDecimal.valueOf(whole)).movePointRight(9).intValue();
      return Instant.ofEpochSecond(whole, nanos);
    } catch (ArithmeticException | DateTimeException | NumberFormatException e) { // NumberFormatException: 1e999 parses as infinity
      throw malformed("'" + name + "' is out of range");
    }
  }
}
