package io.treeline.jobs.s3;

import static io.treeline.jobs.JobsTestSupport.cli;
import static org.assertj.core.api.Assertions.assertThat;

import io.treeline.core.testing.S3Lake;
import io.treeline.core.testing.S3Server;
import io.treeline.core.testing.TestSpark;
import io.treeline.jobs.JobsTestSupport.CliRun;
import io.treeline.jobs.data.FetchData;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * `treeline quickstart` itself, all 3,000,000 flights, with the lake on a real S3-compatible server (S3Proxy on
 * loopback). Too slow for the suite (its name keeps it out of surefire's default includes); run it with
 * {@code mvn -B test -pl jobs -am -Dtest=S3QuickstartRun -Dsurefire.failIfNoSpecifiedTests=false}.
 * The suite's {@link S3LakeEndToEndTest} runs every stage on the 20,000-flight slice.
 */
class S3QuickstartRun {
  private static final Path CONF = Path.of("..", "conf").toAbsolutePath().normalize();

  @Test
  void the_quickstart_runs_every_stage_with_the_lake_on_s3() {
    S3Lake lake = new S3Lake();
    List<String> args = new ArrayList<>(List.of("quickstart", "--conf", "data.cache-dir=" + FetchData.defaultCacheDir(""),
        "--conf", "features.dir=" + CONF.resolve("features"), "--conf", "pipelines.dir=" + CONF.resolve("pipelines")));
    args.addAll(lake.confArgs());

    long start = System.nanoTime();
    CliRun run = cli(args.toArray(String[]::new));
    System.out.printf("S3QuickstartRun: treeline quickstart on %s took %.1f s%n", lake.root(), (System.nanoTime() - start) / 1e9);
    System.out.println(run.out());

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out()).contains("raw.flights loaded (3,000,000 rows", "Materialized 6 views", "Trained flight-delay: test AUC",
        "Promoted flight-delay/1 to @champion", "micro-batches into features.origin_airport_stats and the online store (0 dead letters)",
        "served flight-delay version 1");
    assertThat(run.out() + run.err()).doesNotContain(S3Server.SECRET_KEY);
    assertThat(lake.keys("tables/raw/flights/_delta_log/")).isNotEmpty();
    assertThat(lake.keys("models/flight-delay/1/")).contains("lake/models/flight-delay/1/MLmodel");
    assertThat(TestSpark.table(lake.root() + "/tables/raw/flights").count()).isEqualTo(3_000_000L);
  }
}
