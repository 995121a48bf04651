package io.treeline.serving.auth;

import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.Signature;
import java.security.SignatureException;
import java.security.interfaces.RSAPublicKey;
import java.util.Arrays;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** Checks a JWS signature with one algorithm and one key, fixed when the server starts. */
interface SignatureVerifier {
  /** The JWS {@code alg} name, the only one a token may declare. */
  String algorithm();

  boolean verifies(byte[] signingInput, byte[] signature);

  static SignatureVerifier hs256(byte[] secret) {
    // RFC 7518 3.2: the key must be at least as long as the hash, or the MAC is weaker than its name.
    if (secret.length < 32) {
      throw new IllegalArgumentException("an HS256 secret needs at least 32 bytes (256 bits), got " + secret.length);
    }
    SecretKeySpec key = new SecretKeySpec(Arrays.copyOf(secret, secret.length), "HmacSHA256");
    return new SignatureVerifier() {
      @Override
      public String algorithm() {
        return "HS256";
      }

      @Override
      public boolean verifies(byte[] signingInput, byte[] signature) {
        try {
          Mac mac = Mac.getInstance("HmacSHA256");
          mac.init(key);
          // isEqual takes the same time wherever the bytes first differ, so the MAC can't be guessed byte by byte.
          return MessageDigest.isEqual(mac.doFinal(signingInput), signature);
        } catch (GeneralSecurityException e) {
          throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
      }
    };
  }

  static SignatureVerifier rs256(RSAPublicKey publicKey) {
    return new SignatureVerifier() {
      @Override
      public String algorithm() {
        return "RS256";
      }

      @Override
      public boolean verifies(byte[] signingInput, byte[] signature) {
        try {
          Signature rsa = Signature.getInstance("SHA256withRSA");
          rsa.initVerify(publicKey);
          rsa.update(signingInput);
          return rsa.verify(signature);
        } catch (SignatureException e) {
          return false; // a signature of the wrong length, say: it does not verify either
        } catch (InvalidKeyException e) {
          throw new IllegalStateException("the configured RSA key was accepted when it was read", e);
        } catch (GeneralSecurityException e) {
          throw new IllegalStateException("SHA256withRSA is part of every JDK", e);
        }
      }
    };
  }
}
