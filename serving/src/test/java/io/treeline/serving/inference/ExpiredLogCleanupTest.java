package io.treeline.serving.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.delta.kernel.defaults.engine.DefaultEngine;
import io.delta.kernel.engine.Engine;
import io.treeline.core.testing.TempLake;
import io.treeline.core.testing.TestSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The inference log's expired Delta log files go as Delta's protocol says, and every version newer
 * than the retention still reads: checked with Spark's Delta reader, which shares no code with it.
 */
class ExpiredLogCleanupTest {
  private static final TempLake LAKE = new TempLake();
  private static final int COMMITS = 25; // checkpoints at 10 and 20
  private static final long NOW = System.currentTimeMillis();
  private static final Map<String, String> ONE_DAY = Map.of("delta.logRetentionDuration", "interval 1 day");
  private final Engine engine = DefaultEngine.create(LocalFileLogStore.on(new Configuration()));

  @AfterAll
  static void cleanUp() {
    LAKE.close();
  }

  @Test
  void versions_older_than_the_retention_go_up_to_the_newest_checkpoint_among_them_and_the_rest_still_read() throws Exception {
    Path table = table("expired");
    age(table, 0, 14, Duration.ofDays(2)); // Spark's reader refuses versions older than the table's 7-day deleted-file retention

    int deleted = ExpiredLogCleanup.run(engine, log(table).toUri().toString(), ONE_DAY, NOW);

    // versions 0-14 are older than a day, the newest checkpoint among them is 10: its commits and checksums before it go
    assertThat(deleted).isEqualTo(20);
    assertThat(names(table)).noneMatch(n -> n.matches("0{18}0\\d\\.(json|crc)"))
        .contains(String.format("%020d.json", 10), String.format("%020d.checkpoint.parquet", 10), String.format("%020d.crc", 10),
            String.format("%020d.checkpoint.parquet", 20), "_last_checkpoint");
    for (int version : new int[] {10, 14, 15, COMMITS - 1}) { // the kept checkpoint, the last expired version, the first kept one, the latest
      assertThat(TestSpark.session().read().format("delta").option("versionAsOf", version).load(table.toString()).count())
          .as("version %d", version).isEqualTo(rowsAt(version));
    }
    assertThat(TestSpark.session().read().format("delta").load(table.toString()).count()).isEqualTo(rowsAt(COMMITS - 1));
    assertThatThrownBy(() -> TestSpark.session().read().format("delta").option("versionAsOf", 9).load(table.toString()).count())
        .hasMessageContaining("9");
  }

  @Test
  void nothing_goes_without_an_expired_checkpoint_after_a_newer_commit_with_an_old_time_or_when_the_table_says_no() throws Exception {
    Path table = table("kept");
    String log = log(table).toUri().toString();
    age(table, 0, 9, Duration.ofDays(2));
    assertThat(ExpiredLogCleanup.run(engine, log, ONE_DAY, NOW)).as("no checkpoint among 0-9").isZero();

    age(table, 0, 24, Duration.ofDays(2));
    age(table, 5, 5, Duration.ZERO); // a clock set back: version 5 looks new, so nothing from it on counts as expired
    assertThat(ExpiredLogCleanup.run(engine, log, ONE_DAY, NOW)).isZero();
    age(table, 5, 5, Duration.ofDays(2));

    assertThat(ExpiredLogCleanup.run(engine, log, Map.of("delta.logRetentionDuration", "1 day", "delta.enableExpiredLogCleanup", "false"), NOW))
        .isZero();
    assertThat(ExpiredLogCleanup.run(engine, log, Map.of("delta.logRetentionDuration", "1 day", "delta.requireCheckpointProtectionBeforeVersion",
        "12"), NOW)).isZero();
    assertThat(ExpiredLogCleanup.run(engine, log, Map.of("delta.logRetentionDuration", "interval 3 days"), NOW)).isZero();
    assertThat(ExpiredLogCleanup.run(engine, log, Map.of(), NOW)).as("Delta's default, 30 days").isZero();
    assertThat(names(table)).hasSize(names(table("fresh")).size());

    // all 25 commits expired under a one-day retention: the newest checkpoint is 20
    assertThat(ExpiredLogCleanup.run(engine, log, ONE_DAY, NOW)).isEqualTo(41); // 20 commits, 20 checksums and the checkpoint at 10
    assertThat(TestSpark.session().read().format("delta").option("versionAsOf", 20).load(table.toString()).count()).isEqualTo(rowsAt(20));
  }

  @Test
  void only_a_complete_checkpoint_is_kept_compacted_logs_go_by_their_last_version_and_v2_checkpoints_stop_it() throws Exception {
    Path log = Files.createDirectories(LAKE.root().resolve("synthetic/_delta_log"));
    for (int version = 0; version <= 12; version++) {
      create(log, String.format("%020d.json", version));
      create(log, String.format("%020d.crc", version));
    }
    create(log, String.format("%020d.checkpoint.parquet", 3));
    // at 5, leftovers of two multi-part checkpoints that never finished: parts 1 and 2 of 3, part 1 of 2
    create(log, String.format("%020d.checkpoint.0000000001.0000000003.parquet", 5));
    create(log, String.format("%020d.checkpoint.0000000002.0000000003.parquet", 5));
    create(log, String.format("%020d.checkpoint.0000000001.0000000002.parquet", 5));
    create(log, String.format("%020d.%020d.compacted.json", 0, 2));
    create(log, String.format("%020d.%020d.compacted.json", 1, 4));
    String uri = log.toUri().toString();

    List<String> before = names(log.getParent());
    assertThat(ExpiredLogCleanup.run(engine, uri, ONE_DAY, NOW)).isEqualTo(7);
    assertThat(gone(before, log)).as("versions 0-2 and the log compacted up to 2: the checkpoint at 3 is the newest complete one")
        .containsExactlyInAnyOrder(v(0, "json"), v(1, "json"), v(2, "json"), v(0, "crc"), v(1, "crc"), v(2, "crc"),
            String.format("%020d.%020d.compacted.json", 0, 2));

    create(log, String.format("%020d.checkpoint.0000000003.0000000003.parquet", 5)); // now complete
    before = names(log.getParent());
    assertThat(ExpiredLogCleanup.run(engine, uri, ONE_DAY, NOW)).isEqualTo(6);
    assertThat(gone(before, log)).as("versions 3-4, the checkpoint at 3 and the log compacted up to 4")
        .containsExactlyInAnyOrder(v(3, "json"), v(4, "json"), v(3, "crc"), v(4, "crc"), v(3, "checkpoint.parquet"),
            String.format("%020d.%020d.compacted.json", 1, 4));

    create(log, String.format("%020d.checkpoint.80a0d1c6-5f4a-4f2e-9d1c-0b7e6a1f2c3d.json", 8));
    create(log, String.format("%020d.checkpoint.parquet", 10));
    assertThat(ExpiredLogCleanup.run(engine, uri, ONE_DAY, NOW)).as("a V2 checkpoint: left alone").isZero();
  }

  private static String v(long version, String kind) {
    return String.format("%020d.", version) + kind;
  }

  private static List<String> gone(List<String> before, Path log) throws Exception {
    List<String> now = names(log.getParent());
    return before.stream().filter(n -> !now.contains(n)).toList();
  }

  /** An empty log file written two days ago. */
  private static void create(Path log, String name) throws Exception {
    Files.setLastModifiedTime(Files.writeString(log.resolve(name), ""), FileTime.fromMillis(NOW - Duration.ofDays(2).toMillis()));
  }

  @Test
  void the_retention_reads_as_delta_writes_it() {
    assertThat(ExpiredLogCleanup.retention(null)).isEqualTo(Duration.ofDays(30));
    assertThat(ExpiredLogCleanup.retention("interval 30 days")).isEqualTo(Duration.ofDays(30));
    assertThat(ExpiredLogCleanup.retention("INTERVAL 1 WEEK")).isEqualTo(Duration.ofDays(7));
    assertThat(ExpiredLogCleanup.retention("12 hours")).isEqualTo(Duration.ofHours(12));
    assertThatThrownBy(() -> ExpiredLogCleanup.retention("interval 1 month")).hasMessageContaining("delta.logRetentionDuration is 'interval 1 month'");
  }

  @Test
  void the_appender_cleans_up_after_a_checkpoint() throws Exception {
    Path table = table("appended");
    age(table, 0, COMMITS - 1, Duration.ofDays(40));
    DeltaKernelAppender appender = new DeltaKernelAppender(table.toString(), new Configuration());
    for (int version = COMMITS; version <= 30; version++) { // the checkpoint at 30 finds 0-24 expired, the newest checkpoint among them 20
      appender.append(Records.many("late-" + version, 2, Instant.now(), "host:1"));
    }
    assertThat(names(table)).noneMatch(n -> n.matches("0{18}[01]\\d\\.(json|crc|checkpoint\\.parquet)"))
        .contains(String.format("%020d.checkpoint.parquet", 20), String.format("%020d.json", 30));
    assertThat(TestSpark.session().read().format("delta").load(table.toString()).count()).isEqualTo(rowsAt(COMMITS - 1) + 2 * 6);
  }

  /** A table of {@link #COMMITS} appends through the server's appender, version v holding v + 1 rows. */
  private static Path table(String name) throws Exception {
    Path table = LAKE.root().resolve(name);
    if (!Files.exists(table)) {
      DeltaKernelAppender appender = new DeltaKernelAppender(table.toString(), new Configuration());
      for (int version = 0; version < COMMITS; version++) {
        appender.append(Records.many(name + "-" + version, version + 1, Instant.now(), "host:1"));
      }
    }
    return table;
  }

  private static long rowsAt(int version) {
    return (long) (version + 1) * (version + 2) / 2;
  }

  /** Makes the commits {@code from}-{@code to} look written {@code ago}, as the log's files say. */
  private static void age(Path table, int from, int to, Duration ago) throws Exception {
    for (int version = from; version <= to; version++) {
      Files.setLastModifiedTime(log(table).resolve(String.format("%020d.json", version)), FileTime.fromMillis(NOW - ago.toMillis()));
    }
  }

  private static Path log(Path table) {
    return table.resolve("_delta_log");
  }

  private static List<String> names(Path table) throws Exception {
    try (Stream<Path> files = Files.list(log(table))) {
      return files.map(f -> f.getFileName().toString()).sorted().toList();
    }
  }
}
