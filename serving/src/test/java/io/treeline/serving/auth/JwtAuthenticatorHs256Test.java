package io.treeline.serving.auth;

import static io.treeline.serving.auth.TestTokens.NOW;
import static io.treeline.serving.auth.TestTokens.SECRET;
import static io.treeline.serving.auth.TestTokens.b64;
import static io.treeline.serving.auth.TestTokens.bearer;
import static io.treeline.serving.auth.TestTokens.header;
import static io.treeline.serving.auth.TestTokens.hmac;
import static io.treeline.serving.auth.TestTokens.hmacSegments;
import static io.treeline.serving.auth.TestTokens.hs256;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;

/** The signature and every claim check, with HS256 because its tokens are cheap to make. */
class JwtAuthenticatorHs256Test {
  private static final String ISSUER = "https://auth.treeline.io";
  private static final String AUDIENCE = "treeline-serving";

  private final JwtAuthenticator jwt = JwtAuthenticator.hs256(SECRET)
      .issuer(ISSUER)
      .audience(AUDIENCE)
      .clock(Clock.fixed(NOW, ZoneOffset.UTC))
      .build();

  private static Map<String, Object> claims() {
    Map<String, Object> claims = TestTokens.claims("alice");
    claims.put("iss", ISSUER);
    claims.put("aud", AUDIENCE);
    return claims;
  }

  private Caller accept(Map<String, Object> claims) {
    return jwt.authenticate(bearer(hs256(SECRET, claims)), null);
  }

  private AbstractThrowableAssert<?, ?> refuse(String token) {
    return assertThatThrownBy(() -> jwt.authenticate(bearer(token), null)).isInstanceOf(AuthenticationException.class);
  }

  @Test
  void acceptsAValidToken() {
    assertThat(accept(claims())).isEqualTo(new Caller("alice"));
  }

  @Test
  void aTokenWithoutSubjectIsAnonymous() {
    Map<String, Object> claims = claims();
    claims.remove("sub");
    assertThat(accept(claims)).isEqualTo(new Caller("anonymous"));
  }

  @Test
  void refusesARequestWithoutToken() {
    assertThatThrownBy(() -> jwt.authenticate(null, "an-api-key"))
        .isInstanceOf(AuthenticationException.class)
        .hasMessage("missing credentials: send 'Authorization: Bearer <token>'");
  }

  @Test
  void refusesAWrongSignature() {
    byte[] otherSecret = "another secret of thirty-two bytes".getBytes(StandardCharsets.US_ASCII);
    refuse(hs256(otherSecret, claims())).hasMessage("token signature does not verify");
    String[] parts = hs256(SECRET, claims()).split("\\.");
    Map<String, Object> forged = claims();
    forged.put("sub", "admin");
    refuse(parts[0] + "." + b64(TestTokens.json(forged)) + "." + parts[2]).hasMessage("token signature does not verify");
  }

  @Test
  void refusesAnExpiredTokenBeyondTheLeeway() {
    Map<String, Object> claims = claims();
    claims.put("exp", NOW.minusSeconds(29).getEpochSecond());
    assertThat(accept(claims)).isEqualTo(new Caller("alice"));
    claims.put("exp", NOW.minusSeconds(31).getEpochSecond());
    refuse(hs256(SECRET, claims)).hasMessage("token expired at 2026-03-01T11:59:29Z");
    claims.remove("exp");
    refuse(hs256(SECRET, claims)).hasMessage("token has no expiry ('exp' claim)");
    claims.put("exp", "tomorrow");
    refuse(hs256(SECRET, claims)).hasMessage("malformed token: 'exp' is not a number of seconds since the epoch");
  }

  @Test
  void refusesATokenNotYetValid() {
    Map<String, Object> claims = claims();
    claims.put("nbf", NOW.plusSeconds(29).getEpochSecond());
    assertThat(accept(claims)).isEqualTo(new Caller("alice"));
    claims.put("nbf", NOW.plusSeconds(31).getEpochSecond());
    refuse(hs256(SECRET, claims)).hasMessage("token is not valid before 2026-03-01T12:00:31Z");
  }

  @Test
  void refusesAnotherIssuer() {
    Map<String, Object> claims = claims();
    claims.put("iss", "https://evil.example");
    refuse(hs256(SECRET, claims)).hasMessage("token issuer 'https://evil.example' is not 'https://auth.treeline.io'");
    claims.remove("iss");
    refuse(hs256(SECRET, claims)).hasMessage("token has no issuer; expected 'https://auth.treeline.io'");
  }

  @Test
  void checksTheAudienceAsAStringOrAnArray() {
    Map<String, Object> claims = claims();
    claims.put("aud", List.of("billing", AUDIENCE));
    assertThat(accept(claims)).isEqualTo(new Caller("alice"));
    claims.put("aud", "billing");
    refuse(hs256(SECRET, claims)).hasMessage("token audience does not include 'treeline-serving'");
    claims.put("aud", List.of("billing", "reporting"));
    refuse(hs256(SECRET, claims)).hasMessage("token audience does not include 'treeline-serving'");
    claims.remove("aud");
    refuse(hs256(SECRET, claims)).hasMessage("token audience does not include 'treeline-serving'");
  }

  @Test
  void refusesAnyOtherAlgorithmWhateverItsSignature() {
    refuse(TestTokens.unsigned(header("none"), claims())).hasMessage("token algorithm 'none' is not accepted; expected HS256");
    refuse(hmac(SECRET, header("hs256"), claims())).hasMessage("token algorithm 'hs256' is not accepted; expected HS256");
    refuse(hmac(SECRET, header("HS256\n"), claims())).hasMessage("token algorithm 'HS256?' is not accepted; expected HS256");
  }

  @Test
  void refusesHeadersItCannotHonour() {
    Map<String, Object> typed = header("HS256");
    typed.put("typ", "at+jwt");
    refuse(hmac(SECRET, typed, claims())).hasMessage("token type 'at+jwt' is not accepted; expected JWT");
    Map<String, Object> critical = header("HS256");
    critical.put("crit", List.of("exp"));
    refuse(hmac(SECRET, critical, claims()))
        .hasMessage("token header lists critical extensions ('crit'), which are not supported");
  }

  @Test
  void saysWhatIsWrongWithAMalformedToken() {
    String payload = b64(TestTokens.json(claims()));
    refuse("abc.def").hasMessage("malformed token: expected header.payload.signature, got 2 part(s)");
    refuse("a.b.c.d.e").hasMessage("malformed token: expected header.payload.signature, got 5 part(s)");
    refuse("e30*." + payload + ".c2ln").hasMessage("malformed token: header is not base64url");
    refuse(b64("{\"alg\": HS256}") + "." + payload + ".c2ln").hasMessage("malformed token: header is not JSON");
    refuse(b64("[\"HS256\"]") + "." + payload + ".c2ln").hasMessage("malformed token: header is not a JSON object");
    refuse(b64("{\"alg\":\"none\",\"alg\":\"HS256\"}") + "." + payload + ".c2ln")
        .hasMessage("malformed token: header is not JSON");
    refuse(b64("{\"typ\":\"JWT\"}") + "." + payload + ".c2ln").hasMessage("malformed token: header has no 'alg'");
    String header = b64(TestTokens.json(header("HS256")));
    refuse(header + "." + payload + ".c2ln*").hasMessage("malformed token: signature is not base64url");
    refuse(hmacSegments(SECRET, header, "not~base64")).hasMessage("malformed token: payload is not base64url");
    refuse(hmacSegments(SECRET, header, b64("{\"sub\":"))).hasMessage("malformed token: payload is not JSON");
  }

  @Test
  void refusesAShortSecretAndANegativeLeeway() {
    assertThatThrownBy(() -> JwtAuthenticator.hs256("short".getBytes(StandardCharsets.US_ASCII)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("an HS256 secret needs at least 32 bytes (256 bits), got 5");
    assertThatThrownBy(() -> JwtAuthenticator.hs256(SECRET).leeway(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("leeway must not be negative, got PT-1S");
  }
}
