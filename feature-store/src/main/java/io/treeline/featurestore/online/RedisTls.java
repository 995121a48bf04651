package io.treeline.featurestore.online;

import io.treeline.core.error.Errors;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;

/**
 * TLS for {@code rediss://} URLs, the same for the server's reads and the jobs' writes: the
 * certificate authorities trusted (the JVM's, or only those of {@code online-store.redis.ca-file},
 * for a Redis whose certificate a private authority signed), and the server's name checked against
 * its certificate, as an HTTPS client checks it.
 */
public final class RedisTls {
  private RedisTls() {}

  /**
   * The text of {@code caFile} (PEM), checked to hold at least one certificate; null when no file is
   * set. Read once where the settings are, so executors that write get the text, not a path they may lack.
   */
  public static String readCaFile(String caFile) {
    if (caFile == null || caFile.isBlank()) {
      return null;
    }
    Path path = Path.of(caFile);
    String pem;
    try {
      pem = Files.readString(path, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw Errors.invalidInput("read", "online-store.redis.ca-file " + path, "the file cannot be read (" + e.getMessage() + ")",
          "Set online-store.redis.ca-file to the PEM file of the authority that signed Redis's certificate, or unset it to trust the JVM's.");
    }
    certificates(pem, path.toString());
    return pem;
  }

  /** Sockets that trust the authorities in {@code caPem}, or the JVM's when it is null. */
  static SSLSocketFactory socketFactory(String caPem) {
    if (caPem == null) {
      return (SSLSocketFactory) SSLSocketFactory.getDefault();
    }
    try {
      KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
      trusted.load(null, null);
      int i = 0;
      for (Certificate certificate : certificates(caPem, "online-store.redis.ca-file")) {
        trusted.setCertificateEntry("ca-" + i++, certificate);
      }
      TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      trust.init(trusted);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, trust.getTrustManagers(), null);
      return context.getSocketFactory();
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("Cannot set up TLS with the authorities of online-store.redis.ca-file: " + e.getMessage(), e);
    }
  }

  /** The server's name checked against its certificate: Jedis checks nothing unless told. */
  static SSLParameters parameters() {
    SSLParameters parameters = new SSLParameters();
    parameters.setEndpointIdentificationAlgorithm("HTTPS");
    return parameters;
  }

  private static Collection<? extends Certificate> certificates(String pem, String source) {
    Collection<? extends Certificate> certificates;
    try {
      certificates = CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
    } catch (GeneralSecurityException e) {
      throw Errors.invalidInput("read", source, "it is not a PEM certificate file (" + e.getMessage() + ")",
          "Give the authority's certificate in PEM (-----BEGIN CERTIFICATE-----), as redis-cli --cacert takes it.");
    }
    if (certificates.isEmpty()) {
      throw Errors.invalidInput("read", source, "it holds no certificate",
          "Give the authority's certificate in PEM (-----BEGIN CERTIFICATE-----), as redis-cli --cacert takes it.");
    }
    return certificates;
  }
}
