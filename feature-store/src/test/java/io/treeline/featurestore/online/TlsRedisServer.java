package io.treeline.featurestore.online;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real redis-server that also listens with TLS, its certificate for "localhost" signed by a test
 * authority made with the JDK's keytool (so no openssl is needed): {@link #authorityFile()} is what
 * online-store.redis.ca-file names; the plain port is for checks behind the client's back.
 */
public final class TlsRedisServer implements AutoCloseable {
  private static final String PASSWORD = "test-store-password";

  private final RedisServer server;
  private final int tlsPort;
  private final Path authorityFile;

  private TlsRedisServer(RedisServer server, int tlsPort, Path authorityFile) {
    this.server = server;
    this.tlsPort = tlsPort;
    this.authorityFile = authorityFile;
  }

  /** Makes the authority and the server's certificate and key in {@code dir}, then starts the server. */
  public static TlsRedisServer start(Path dir) throws IOException, InterruptedException, GeneralSecurityException {
    keytool(dir, "-genkeypair", "-alias", "ca", "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=Treeline test authority", "-ext", "bc:c",
        "-validity", "2", "-keystore", "ca.p12", "-storepass", PASSWORD);
    keytool(dir, "-genkeypair", "-alias", "server", "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=localhost", "-validity", "2",
        "-keystore", "server.p12", "-storepass", PASSWORD);
    keytool(dir, "-certreq", "-alias", "server", "-keystore", "server.p12", "-storepass", PASSWORD, "-file", "server.csr");
    keytool(dir, "-gencert", "-alias", "ca", "-keystore", "ca.p12", "-storepass", PASSWORD, "-infile", "server.csr", "-outfile", "server.crt",
        "-rfc", "-ext", "SAN=dns:localhost", "-validity", "2");
    keytool(dir, "-exportcert", "-alias", "ca", "-keystore", "ca.p12", "-storepass", PASSWORD, "-rfc", "-file", "ca.crt");
    // keytool keeps private keys inside key stores; Redis reads a PEM file.
    KeyStore keys = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(dir.resolve("server.p12"))) {
      keys.load(in, PASSWORD.toCharArray());
    }
    PrivateKey key = (PrivateKey) keys.getKey("server", PASSWORD.toCharArray());
    Files.writeString(dir.resolve("server.key"), "-----BEGIN PRIVATE KEY-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(key.getEncoded()) + "\n-----END PRIVATE KEY-----\n");

    int tlsPort = RedisServer.freePort();
    RedisServer server = RedisServer.start(RedisServer.freePort(), "--tls-port", Integer.toString(tlsPort),
        "--tls-cert-file", dir.resolve("server.crt").toString(), "--tls-key-file", dir.resolve("server.key").toString(),
        "--tls-ca-cert-file", dir.resolve("ca.crt").toString(), "--tls-auth-clients", "no");
    return new TlsRedisServer(server, tlsPort, dir.resolve("ca.crt"));
  }

  public int tlsPort() {
    return tlsPort;
  }

  public int plainPort() {
    return server.port();
  }

  /** The test authority's certificate, PEM. */
  public Path authorityFile() {
    return authorityFile;
  }

  @Override
  public void close() {
    server.close();
  }

  private static void keytool(Path dir, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString()));
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
      throw new IllegalStateException("keytool " + String.join(" ", args) + " failed:\n" + output);
    }
  }
}
