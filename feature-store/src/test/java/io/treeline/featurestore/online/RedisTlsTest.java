package io.treeline.featurestore.online;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.treeline.core.error.InvalidInputException;
import io.treeline.core.error.JobFailedException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

/**
 * rediss:// against a real redis-server with TLS, its certificate for "localhost" signed by a test
 * authority made here with the JDK's keytool: the jobs' writes and the server's reads go through TLS
 * when online-store.redis.ca-file names that authority, and are refused, saying what to set, when the
 * authority is not trusted or the URL's host is not the certificate's name.
 */
class RedisTlsTest {
  private static final OnlineTable VIEW = new OnlineTable("tls_view", List.of("origin"), List.of("delay", "carrier"));
  private static final LocalDateTime TIME = LocalDateTime.of(2001, 6, 30, 12, 0, 0, 123_456_000);

  @TempDir static Path dir;
  private static TlsRedisServer redis;
  private static int tlsPort;
  private static String authority;

  @BeforeAll
  static void redisWithTls() throws Exception {
    redis = TlsRedisServer.start(dir);
    tlsPort = redis.tlsPort();
    authority = RedisTls.readCaFile(redis.authorityFile().toString());
  }

  @AfterAll
  static void stopRedis() {
    if (redis != null) {
      redis.close();
    }
  }

  @Test
  void writes_and_reads_go_through_tls_to_a_server_whose_authority_is_the_configured_one() throws IOException {
    String url = "rediss://localhost:" + tlsPort;
    try (RedisOnlineStore store = new RedisOnlineStore(url, authority, Duration.ZERO);
        RedisOnlineReader reader = new RedisOnlineReader(url, authority)) {
      assertThat(store.writeLocal(VIEW, List.of(row("ORD", 1e16, "UA"), row("SFO", -0.0, null)))).isEqualTo(2);

      reader.ping();
      assertThat(reader.read(VIEW, List.of(EntityKey.of("ORD"), EntityKey.of("SFO"), EntityKey.of("JFK")))).containsExactly(
          Map.entry(EntityKey.of("ORD"), new FeatureValues(TIME, values(1e16, "UA"))),
          Map.entry(EntityKey.of("SFO"), new FeatureValues(TIME, values(-0.0, null))));
    }
    // The same server's plain port sees what went through TLS.
    try (Jedis plain = new Jedis("127.0.0.1", redis.plainPort())) {
      assertThat(plain.hget("treeline:{tls_view}:ORD", "carrier")).isEqualTo("s:UA");
    }
  }

  @Test
  void an_authority_not_trusted_is_refused_and_the_error_says_to_set_the_ca_file() {
    // Without the setting, the JVM's authorities are used, and the test authority is not among them.
    try (RedisOnlineReader reader = new RedisOnlineReader("rediss://localhost:" + tlsPort, null)) {
      assertThatThrownBy(() -> reader.read(VIEW, List.of(EntityKey.of("ORD"))))
          .isInstanceOf(JobFailedException.class)
          .hasMessageContaining("Cannot connect to Redis at rediss://localhost:" + tlsPort + ": the TLS handshake failed")
          .hasMessageContaining("set online-store.redis.ca-file");
    }
    RedisOnlineStore store = new RedisOnlineStore("rediss://localhost:" + tlsPort, null, Duration.ZERO);
    assertThatThrownBy(() -> store.writeLocal(VIEW, List.of(row("ORD", 1.0, "UA")))).hasStackTraceContaining("PKIX path building failed");
    store.close();
  }

  @Test
  void a_host_the_certificate_does_not_name_is_refused_by_reads_and_writes() {
    String url = "rediss://127.0.0.1:" + tlsPort;
    try (RedisOnlineReader reader = new RedisOnlineReader(url, authority)) {
      assertThatThrownBy(reader::ping).isInstanceOf(IOException.class)
          .hasMessageContaining("the TLS handshake failed").hasMessageContaining("127.0.0.1")
          .hasMessageContaining("the URL's host must be a name the certificate holds");
    }
    RedisOnlineStore store = new RedisOnlineStore(url, authority, Duration.ZERO);
    assertThatThrownBy(() -> store.writeLocal(VIEW, List.of(row("ORD", 1.0, "UA")))).hasStackTraceContaining("No subject alternative names");
    store.close();
  }

  @Test
  void a_ca_file_that_is_missing_or_not_pem_is_refused_naming_it() throws IOException {
    Path missing = dir.resolve("missing.pem");
    assertThatThrownBy(() -> RedisTls.readCaFile(missing.toString())).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("online-store.redis.ca-file " + missing).hasMessageContaining("cannot be read");
    Path notPem = Files.writeString(dir.resolve("not.pem"), "just text\n");
    assertThatThrownBy(() -> RedisTls.readCaFile(notPem.toString())).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining(notPem.toString()).hasMessageContaining("PEM");
    assertThat(RedisTls.readCaFile("")).isNull();
  }

  private static Row row(String origin, double delay, String carrier) {
    StructType schema = new StructType().add("origin", DataTypes.StringType).add("delay", DataTypes.DoubleType)
        .add("carrier", DataTypes.StringType).add(OnlineTable.FEATURE_TIME, DataTypes.TimestampNTZType);
    return new GenericRowWithSchema(new Object[] {origin, delay, carrier, TIME}, schema);
  }

  private static Map<String, Object> values(double delay, String carrier) {
    Map<String, Object> values = new java.util.LinkedHashMap<>();
    values.put("delay", delay);
    values.put("carrier", carrier);
    return values;
  }
}
