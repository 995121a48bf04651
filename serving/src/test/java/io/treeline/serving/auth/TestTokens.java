package io.treeline.serving.auth;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** Builds compact JWS tokens, well-formed or not, the way an issuer or an attacker would. */
public final class TestTokens {
  public static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
  public static final byte[] SECRET = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

  private static final ObjectMapper JSON = new ObjectMapper();

  private TestTokens() {}

  /** The claims of a token that is valid at {@link #NOW} for as long as checks here care. */
  public static Map<String, Object> claims(String subject) {
    Map<String, Object> claims = new LinkedHashMap<>();
    claims.put("sub", subject);
    claims.put("iat", NOW.getEpochSecond());
    claims.put("exp", NOW.plusSeconds(300).getEpochSecond());
    return claims;
  }

  public static Map<String, Object> header(String alg) {
    Map<String, Object> header = new LinkedHashMap<>();
    header.put("alg", alg);
    header.put("typ", "JWT");
    return header;
  }

  public static String hs256(byte[] secret, Map<String, Object> claims) {
    return hmac(secret, header("HS256"), claims);
  }

  public static String rs256(PrivateKey key, Map<String, Object> claims) {
    return rsa(key, header("RS256"), claims);
  }

  /** Signed with HMAC-SHA256 whatever the header says. */
  public static String hmac(byte[] secret, Map<String, Object> header, Map<String, Object> claims) {
    return hmacSegments(secret, b64(json(header)), b64(json(claims)));
  }

  /** Signs the two segments exactly as given, so they can be anything, base64 or not. */
  public static String hmacSegments(byte[] secret, String header, String payload) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      return header + '.' + payload + '.' + b64(mac.doFinal(ascii(header + '.' + payload)));
    } catch (GeneralSecurityException e) {
      throw new AssertionError(e);
    }
  }

  public static String rsa(PrivateKey key, Map<String, Object> header, Map<String, Object> claims) {
    String signingInput = b64(json(header)) + '.' + b64(json(claims));
    try {
      Signature rsa = Signature.getInstance("SHA256withRSA");
      rsa.initSign(key);
      rsa.update(ascii(signingInput));
      return signingInput + '.' + b64(rsa.sign());
    } catch (GeneralSecurityException e) {
      throw new AssertionError(e);
    }
  }

  /** A token with no signature at all, as {@code alg: none} prescribes. */
  public static String unsigned(Map<String, Object> header, Map<String, Object> claims) {
    return b64(json(header)) + '.' + b64(json(claims)) + '.';
  }

  public static KeyPair rsaKeyPair() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
      generator.initialize(2048);
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new AssertionError(e);
    }
  }

  public static String pem(PublicKey key) {
    String base64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(key.getEncoded());
    return "-----BEGIN PUBLIC KEY-----\n" + base64 + "\n-----END PUBLIC KEY-----\n";
  }

  public static String bearer(String token) {
    return "Bearer " + token;
  }

  public static String b64(String text) {
    return b64(text.getBytes(StandardCharsets.UTF_8));
  }

  public static String b64(byte[] bytes) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  public static String json(Map<String, Object> object) {
    try {
      return JSON.writeValueAsString(object);
    } catch (JsonProcessingException e) {
      throw new AssertionError(e);
    }
  }

  private static byte[] ascii(String text) {
    return text.getBytes(StandardCharsets.US_ASCII);
  }
}
