package io.treeline.serving.auth;

import static io.treeline.serving.auth.TestTokens.NOW;
import static io.treeline.serving.auth.TestTokens.bearer;
import static io.treeline.serving.auth.TestTokens.claims;
import static io.treeline.serving.auth.TestTokens.header;
import static io.treeline.serving.auth.TestTokens.hmac;
import static io.treeline.serving.auth.TestTokens.pem;
import static io.treeline.serving.auth.TestTokens.rs256;
import static io.treeline.serving.auth.TestTokens.rsa;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPublicKey;
import java.time.Clock;
import java.time.ZoneOffset;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** RS256, and the attacks on it that trade the algorithm or the key for one the attacker knows. */
class JwtAuthenticatorRs256Test {
  private static KeyPair issuer;
  private static KeyPair stranger;
  private static JwtAuthenticator jwt;

  @BeforeAll
  static void keys() {
    issuer = TestTokens.rsaKeyPair();
    stranger = TestTokens.rsaKeyPair();
    jwt = JwtAuthenticator.rs256(pem(issuer.getPublic())).clock(Clock.fixed(NOW, ZoneOffset.UTC)).build();
  }

  private static AbstractThrowableAssert<?, ?> refuse(String token) {
    return assertThatThrownBy(() -> jwt.authenticate(bearer(token), null)).isInstanceOf(AuthenticationException.class);
  }

  @Test
  void acceptsATokenSignedByTheIssuer() {
    assertThat(jwt.authenticate(bearer(rs256(issuer.getPrivate(), claims("alice"))), null)).isEqualTo(new Caller("alice"));
    JwtAuthenticator fromKey = JwtAuthenticator.rs256((RSAPublicKey) issuer.getPublic())
        .clock(Clock.fixed(NOW, ZoneOffset.UTC))
        .build();
    assertThat(fromKey.authenticate(bearer(rs256(issuer.getPrivate(), claims("bob"))), null)).isEqualTo(new Caller("bob"));
  }

  @Test
  void refusesARequestWithoutToken() {
    assertThatThrownBy(() -> jwt.authenticate(null, null))
        .isInstanceOf(AuthenticationException.class)
        .hasMessage("missing credentials: send 'Authorization: Bearer <token>'");
  }

  @Test
  void refusesATokenSignedByAnotherKey() {
    refuse(rs256(stranger.getPrivate(), claims("alice"))).hasMessage("token signature does not verify");
    String token = rs256(issuer.getPrivate(), claims("alice"));
    refuse(token.substring(0, token.length() - 8)).hasMessage("token signature does not verify");
  }

  @Test
  void refusesAnUnsignedToken() {
    refuse(TestTokens.unsigned(header("none"), claims("alice")))
        .hasMessage("token algorithm 'none' is not accepted; expected RS256");
    refuse(TestTokens.unsigned(header("nOnE"), claims("alice")))
        .hasMessage("token algorithm 'nOnE' is not accepted; expected RS256");
  }

  @Test
  void refusesHs256MacedWithThePublicKey() {
    // The classic confusion: a verifier that lets the token pick HMAC would use the public key,
    // which anyone may have, as the shared secret.
    byte[] pemBytes = pem(issuer.getPublic()).getBytes(StandardCharsets.US_ASCII);
    refuse(hmac(pemBytes, header("HS256"), claims("admin")))
        .hasMessage("token algorithm 'HS256' is not accepted; expected RS256");
    refuse(hmac(issuer.getPublic().getEncoded(), header("HS256"), claims("admin")))
        .hasMessage("token algorithm 'HS256' is not accepted; expected RS256");
  }

  @Test
  void refusesTheAlgorithmNameInAnotherCase() {
    refuse(rsa(issuer.getPrivate(), header("rs256"), claims("alice")))
        .hasMessage("token algorithm 'rs256' is not accepted; expected RS256");
  }

  @Test
  void saysWhatIsWrongWithAPem() {
    String pem = pem(issuer.getPublic());
    assertThatThrownBy(() -> JwtAuthenticator.rs256(pem.replace("PUBLIC KEY", "RSA PUBLIC KEY")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the PEM holds a PKCS#1 'RSA PUBLIC KEY'; convert it to a 'PUBLIC KEY' with "
            + "'openssl rsa -RSAPublicKey_in -in key.pem -pubout'");
    assertThatThrownBy(() -> JwtAuthenticator.rs256("ssh-rsa AAAAB3NzaC1yc2E"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("no '-----BEGIN PUBLIC KEY-----' ... '-----END PUBLIC KEY-----' block in the PEM text");
    assertThatThrownBy(() -> JwtAuthenticator.rs256(pem(weakKey())))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the RSA key has 1024 bits; at least 2048 are required");
  }

  private static RSAPublicKey weakKey() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
      generator.initialize(1024);
      return (RSAPublicKey) generator.generateKeyPair().getPublic();
    } catch (GeneralSecurityException e) {
      throw new AssertionError(e);
    }
  }
}
