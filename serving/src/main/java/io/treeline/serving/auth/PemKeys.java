package io.treeline.serving.auth;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;

/** Reads the RSA public key that token issuers (Keycloak, Auth0, openssl) export as PEM. */
final class PemKeys {
  private static final String BEGIN = "-----BEGIN PUBLIC KEY-----";
  private static final String END = "-----END PUBLIC KEY-----";
  // NIST has not allowed shorter RSA keys for signatures since 2013.
  private static final int MIN_BITS = 2048;

  private PemKeys() {}

  /** The key in a {@code BEGIN PUBLIC KEY} block (X.509 SubjectPublicKeyInfo); text around it is ignored. */
  static RSAPublicKey rsaPublicKey(String pem) {
    if (pem.contains("-----BEGIN RSA PUBLIC KEY-----")) {
      throw new IllegalArgumentException("the PEM holds a PKCS#1 'RSA PUBLIC KEY'; convert it to a 'PUBLIC KEY' with "
          + "'openssl rsa -RSAPublicKey_in -in key.pem -pubout'");
    }
    int begin = pem.indexOf(BEGIN);
    int end = pem.indexOf(END);
    if (begin < 0 || end < begin) {
      throw new IllegalArgumentException("no '" + BEGIN + "' ... '" + END + "' block in the PEM text");
    }
    String base64 = pem.substring(begin + BEGIN.length(), end);
    try {
      byte[] der = Base64.getMimeDecoder().decode(base64);
      RSAPublicKey key = (RSAPublicKey) KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(der));
      if (key.getModulus().bitLength() < MIN_BITS) {
        throw new IllegalArgumentException("the RSA key has " + key.getModulus().bitLength() + " bits; at least "
            + MIN_BITS + " are required");
      }
      return key;
    } catch (GeneralSecurityException | ClassCastException e) {
      throw new IllegalArgumentException("the PEM block is not an RSA public key: " + e.getMessage(), e);
    }
  }
}
