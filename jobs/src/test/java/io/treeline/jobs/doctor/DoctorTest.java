package io.treeline.jobs.doctor;

import static io.treeline.jobs.JobsTestSupport.cli;
import static org.assertj.core.api.Assertions.assertThat;

import io.treeline.core.testing.TempLake;
import io.treeline.jobs.JobsTestSupport.CliRun;
import io.treeline.featurestore.online.TlsRedisServer;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DoctorTest {

  @Test
  void prints_versions_and_checks_the_lake() {
    try (TempLake lake = new TempLake()) {
      CliRun run = cli("doctor", "--conf", "lake.root=" + lake.root());

      assertThat(run.exitCode()).isZero();
      assertThat(run.out())
          .containsPattern("java +OK +17")
          .containsPattern("spark +OK +4\\.2\\.0 \\(Scala 2\\.13")
          .containsPattern("delta +OK +4\\.4\\.0")
          .containsPattern("treeline +OK +0\\.1\\.0")
          .containsPattern("lake +OK +" + lake.root() + " is writable")
          .contains("All checks passed.");
    }
  }

  @Test
  void a_configured_service_that_does_not_answer_fails_the_check() throws IOException {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    try (TempLake lake = new TempLake()) {
      CliRun run = cli("doctor", "--conf", "lake.root=" + lake.root(),
          "--conf", "online-store.type=redis", "--conf", "online-store.redis.url=redis://127.0.0.1:" + closedPort);

      assertThat(run.exitCode()).isEqualTo(1);
      assertThat(run.out()).containsPattern("online +FAIL +Cannot connect to Redis at redis://127\\.0\\.0\\.1:" + closedPort + ": Connection refused");
      assertThat(run.err()).contains("Cannot reach configured services: 1 check(s) failed.");
    }
  }

  @Test
  void a_redis_with_tls_answers_when_its_authority_is_the_configured_ca_file_and_fails_saying_what_to_set_otherwise(@TempDir Path dir)
      throws Exception {
    try (TempLake lake = new TempLake(); TlsRedisServer redis = TlsRedisServer.start(dir)) {
      String url = "rediss://localhost:" + redis.tlsPort();
      CliRun trusted = cli("doctor", "--conf", "lake.root=" + lake.root(), "--conf", "online-store.type=redis", "--conf", "online-store.redis.url=" + url,
          "--conf", "online-store.redis.ca-file=" + redis.authorityFile());
      assertThat(trusted.out()).containsPattern("online +OK +Redis at " + url + " answers");
      assertThat(trusted.exitCode()).as(trusted.out() + trusted.err()).isZero();

      CliRun untrusted = cli("doctor", "--conf", "lake.root=" + lake.root(), "--conf", "online-store.type=redis", "--conf", "online-store.redis.url=" + url);
      assertThat(untrusted.exitCode()).isEqualTo(1);
      assertThat(untrusted.out()).containsPattern("online +FAIL +Cannot connect to Redis at " + url + ": the TLS handshake failed")
          .contains("set online-store.redis.ca-file");
    }
  }
}
