package io.treeline.jobs.doctor;

import static io.treeline.jobs.JobsTestSupport.cli;
import static org.assertj.core.api.Assertions.assertThat;

import io.treeline.core.testing.TempLake;
import io.treeline.jobs.JobsTestSupport.CliRun;
import java.io.IOException;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

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
      assertThat(run.out()).containsPattern("online +FAIL +Redis at 127\\.0\\.0\\.1:" + closedPort + " does not answer");
      assertThat(run.err()).contains("Cannot reach configured services: 1 check(s) failed.");
    }
  }
}
