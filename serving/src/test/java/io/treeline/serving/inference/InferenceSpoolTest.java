package io.treeline.serving.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.treeline.core.testing.TempLake;
import io.treeline.core.testing.TestSpark;
import io.treeline.serving.http.ServingMetrics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The inference log through its spool on local disk, into a real Delta table read back with Spark. */
class InferenceSpoolTest {
  private static final TempLake LAKE = new TempLake();
  private static final Instant AT = Instant.parse("2026-12-07T10:00:00Z");

  @TempDir Path dir;

  @AfterAll
  static void cleanUp() {
    LAKE.close();
  }

  private static String table(String name) {
    return LAKE.root().resolve(name).toString();
  }

  private static List<String> requestIds(String location) {
    if (!Files.exists(Path.of(location, "_delta_log"))) {
      return List.of();
    }
    return TestSpark.session().read().format("delta").load(location).orderBy("request_id").select("request_id").collectAsList().stream()
        .map(r -> r.getString(0)).toList();
  }

  private List<Path> spoolFiles() {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> p.getFileName().toString().endsWith(".spool")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static InferenceLogSettings spooled(InferenceAppender appender, Path directory, int busyRate, Duration maxDelay, long maxBytes) {
    return InferenceLogSettings.to(appender).withBatching(1_000, 5, Duration.ofMillis(50))
        .withSpool(new InferenceLogSettings.Spool(directory, busyRate, maxDelay, maxBytes));
  }

  private static void await(String what, java.util.function.BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("waited 20 s for " + what).isLessThan(deadline);
      Thread.sleep(20);
    }
  }

  @Test
  void while_busy_records_wait_in_the_spool_files_and_are_committed_when_the_server_stops() throws Exception {
    String location = table("busy");
    ServingMetrics metrics = new ServingMetrics();
    // A busy rate of 0: always busy, so nothing is committed before the stop (the delay is an hour).
    InferenceLog log = InferenceLog.start(spooled(new DeltaKernelAppender(location, new Configuration()), dir, 0, Duration.ofHours(1), 1 << 30),
        metrics.inferenceLog());
    metrics.inferenceLogQueue(log);
    Records.many("busy", 12, AT, "host:1").forEach(log::offer);

    await("the records taken into spool files", () -> log.queueDepth() == 0 && spoolFiles().size() >= 3 && log.spoolBytes() > 0);
    Thread.sleep(300); // past the flush interval: every file closed
    assertThat(spoolFiles().stream().mapToInt(InferenceSpoolTest::records).sum()).isEqualTo(12);
    assertThat(requestIds(location)).as("nothing committed while busy").isEmpty();
    assertThat(log.committedRows()).isZero();
    assertThat(metrics.scrape()).containsPattern("treeline_inference_log_spool_bytes [1-9]").contains("treeline_inference_log_rows_total 0");

    log.close(Duration.ofSeconds(20));
    assertThat(requestIds(location)).hasSize(12).doesNotHaveDuplicates().allMatch(id -> id.startsWith("busy-"));
    assertThat(log.committedRows()).isEqualTo(12);
    assertThat(spoolFiles()).as("committed files are removed").isEmpty();
  }

  @Test
  void below_the_busy_rate_a_spool_file_is_committed_within_about_its_flush_interval() throws Exception {
    String location = table("quiet");
    InferenceLog log = InferenceLog.start(spooled(new DeltaKernelAppender(location, new Configuration()), dir, 1_000, Duration.ofHours(1), 1 << 30),
        InferenceLogMetrics.NONE);
    Records.many("quiet", 3, AT, "host:1").forEach(log::offer);

    await("the three records committed", () -> log.committedRows() == 3);
    assertThat(requestIds(location)).containsExactly("quiet-0", "quiet-1", "quiet-2");
    await("the committed file removed", () -> spoolFiles().isEmpty());
    log.close(Duration.ofSeconds(10));
  }

  @Test
  void a_file_older_than_the_longest_delay_is_committed_even_while_busy() throws Exception {
    String location = table("overdue");
    InferenceLog log = InferenceLog.start(spooled(new DeltaKernelAppender(location, new Configuration()), dir, 0, Duration.ZERO, 1 << 30),
        InferenceLogMetrics.NONE);
    Records.many("overdue", 7, AT, "host:1").forEach(log::offer);

    await("the seven records committed while busy", () -> log.committedRows() == 7);
    assertThat(requestIds(location)).hasSize(7).doesNotHaveDuplicates();
    log.close(Duration.ofSeconds(10));
  }

  /**
   * A server killed after a file's commit landed but before the file was deleted, with another file not
   * committed: the next server on the spool commits the second and recognises the first by its number.
   */
  @Test
  void files_a_killed_server_left_are_committed_exactly_once_by_the_next_server() throws Exception {
    String location = table("killed");
    DeltaKernelAppender appender = new DeltaKernelAppender(location, new Configuration());
    List<InferenceRecord> records = Records.many("killed", 5, AT, "host:1");
    try (InferenceSpool spool = InferenceSpool.open(dir)) {
      records.subList(0, 3).forEach(r -> append(spool, r));
      spool.closeOpen();
      records.subList(3, 5).forEach(r -> append(spool, r));
      spool.closeOpen();
      InferenceSpool.Closed first = spool.oldest();
      InferenceAppender.Batch batch = appender.open(spool.id(), first.number());
      for (InferenceRecord record : SpoolSegment.read(first.file()).records()) {
        batch.add(record);
      }
      assertThat(batch.commit()).isNotEqualTo(InferenceAppender.ALREADY_COMMITTED);
      // ... and the server dies here: both files stay on disk.
    }
    assertThat(spoolFiles()).hasSize(2);
    assertThat(requestIds(location)).containsExactly("killed-0", "killed-1", "killed-2");

    InferenceLog next = InferenceLog.start(spooled(new DeltaKernelAppender(location, new Configuration()), dir, 1_000, Duration.ofHours(1), 1 << 30),
        InferenceLogMetrics.NONE);
    await("the files left committed", () -> spoolFiles().isEmpty());
    next.close(Duration.ofSeconds(10));

    assertThat(requestIds(location)).containsExactly("killed-0", "killed-1", "killed-2", "killed-3", "killed-4");
    assertThat(next.committedRows()).as("only the file not yet in the table counts as committed by this server").isEqualTo(2);
  }

  /** Files that waited while the server was busy go into one commit, once a first commit of the spool has landed. */
  @Test
  void files_that_waited_together_go_into_one_commit_after_the_first() throws Exception {
    String location = table("together");
    InferenceLog log = InferenceLog.start(spooled(new DeltaKernelAppender(location, new Configuration()), dir, 0, Duration.ofHours(1), 1 << 30),
        InferenceLogMetrics.NONE);
    Records.many("together", 30, AT, "host:1").forEach(log::offer);
    await("six spool files", () -> log.queueDepth() == 0 && spoolFiles().size() == 6);
    Thread.sleep(300); // past the flush interval: every file closed

    log.close(Duration.ofSeconds(20));
    assertThat(requestIds(location)).hasSize(30).doesNotHaveDuplicates();
    assertThat(log.committedRows()).isEqualTo(30);
    // the first file alone (nothing is known yet of what the table holds for this spool), then the five others at once
    assertThat(commits(location)).isEqualTo(2);
    assertThat(spoolFiles()).isEmpty();
  }

  /**
   * A server killed after a commit of several files landed, before the files were deleted: the table records
   * only the last file's number, and the next server, going file by file, finds each of them in the table.
   */
  @Test
  void files_a_killed_server_committed_together_are_committed_exactly_once_by_the_next_server() throws Exception {
    String location = table("killed-together");
    DeltaKernelAppender appender = new DeltaKernelAppender(location, new Configuration());
    List<InferenceRecord> records = Records.many("killed", 9, AT, "host:1");
    try (InferenceSpool spool = InferenceSpool.open(dir)) {
      for (int from = 0; from < 9; from += 3) {
        records.subList(from, from + 3).forEach(r -> append(spool, r));
        spool.closeOpen();
      }
      List<InferenceSpool.Closed> firstTwo = spool.oldest(2, Long.MAX_VALUE);
      InferenceAppender.Batch batch = appender.open(spool.id(), firstTwo.get(1).number());
      for (InferenceSpool.Closed file : firstTwo) {
        for (InferenceRecord record : SpoolSegment.read(file.file()).records()) {
          batch.add(record);
        }
      }
      assertThat(batch.commit()).isNotEqualTo(InferenceAppender.ALREADY_COMMITTED);
      // ... and the server dies here: all three files stay on disk.
    }
    assertThat(requestIds(location)).hasSize(6);

    InferenceLog next = InferenceLog.start(spooled(new DeltaKernelAppender(location, new Configuration()), dir, 1_000, Duration.ofHours(1), 1 << 30),
        InferenceLogMetrics.NONE);
    await("the files left committed", () -> spoolFiles().isEmpty());
    next.close(Duration.ofSeconds(10));

    assertThat(requestIds(location)).hasSize(9).doesNotHaveDuplicates();
    assertThat(next.committedRows()).as("only the file not yet in the table counts as committed by this server").isEqualTo(3);
  }

  /** The table's commits: its versions in `_delta_log`. */
  private static long commits(String location) throws IOException {
    try (Stream<Path> entries = Files.list(Path.of(location, "_delta_log"))) {
      return entries.filter(p -> p.getFileName().toString().matches("\\d{20}\\.json")).count();
    }
  }

  /** A crash while a record was written leaves a file cut inside it: the next server commits the whole records before the cut. */
  @Test
  void a_file_cut_short_by_a_crash_has_its_whole_records_committed_by_the_next_server() throws Exception {
    String location = table("cut");
    try (InferenceSpool spool = InferenceSpool.open(dir)) {
      Records.many("cut", 3, AT, "host:1").forEach(r -> append(spool, r));
      spool.closeOpen();
    }
    Path file = spoolFiles().get(0);
    try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.WRITE)) {
      channel.truncate(Files.size(file) - 5);
    }

    InferenceLog next = InferenceLog.start(spooled(new DeltaKernelAppender(location, new Configuration()), dir, 1_000, Duration.ofHours(1), 1 << 30),
        InferenceLogMetrics.NONE);
    await("the cut file committed", () -> spoolFiles().isEmpty());
    next.close(Duration.ofSeconds(10));

    assertThat(requestIds(location)).containsExactly("cut-0", "cut-1");
    assertThat(next.committedRows()).isEqualTo(2);
  }

  @Test
  void a_server_started_again_on_an_emptied_spool_numbers_its_files_past_every_number_given_before() throws Exception {
    String location = table("again");
    for (String run : List.of("first", "second", "third")) {
      InferenceLog log = InferenceLog.start(spooled(new DeltaKernelAppender(location, new Configuration()), dir, 0, Duration.ofHours(1), 1 << 30),
          InferenceLogMetrics.NONE);
      Records.many(run, 3, AT, "host:1").forEach(log::offer);
      log.close(Duration.ofSeconds(10));
      assertThat(log.committedRows()).as(run).isEqualTo(3);
      assertThat(spoolFiles()).isEmpty();
    }
    assertThat(requestIds(location)).hasSize(9).doesNotHaveDuplicates();
  }

  @Test
  void a_lake_that_is_down_keeps_the_records_in_the_spool_up_to_its_size_then_drops_and_counts() throws Exception {
    InferenceAppender down = new InferenceAppender() {
      @Override
      public long append(List<InferenceRecord> records) throws IOException {
        throw new IOException("the lake is down");
      }

      @Override
      public Batch open(String spoolId, long number) throws IOException {
        throw new IOException("the lake is down");
      }

      @Override
      public String destination() {
        return "a lake that is down";
      }
    };
    ServingMetrics metrics = new ServingMetrics();
    long maxBytes = 200;
    InferenceLog log = InferenceLog.start(spooled(down, dir, 0, Duration.ofHours(1), maxBytes), metrics.inferenceLog());
    for (InferenceRecord record : Records.many("down", 50, AT, "host:1")) {
      log.offer(record);
      Thread.sleep(2);
    }
    await("the queue taken", () -> log.queueDepth() == 0);
    log.close(Duration.ofMillis(500));

    String scrape = metrics.scrape();
    long spooledBytes = spoolFiles().stream().mapToLong(p -> p.toFile().length()).sum();
    assertThat(spooledBytes).as("kept on disk").isGreaterThanOrEqualTo(maxBytes).isLessThan(maxBytes + 1_000);
    int kept = spoolFiles().stream().mapToInt(InferenceSpoolTest::records).sum();
    assertThat(scrape).contains("treeline_inference_log_dropped_total{reason=\"spool_full\"} " + (50 - kept));
    assertThat(kept).isBetween(1, 49);

    // The lake is back: the next server commits what was kept.
    String location = table("down-then-up");
    InferenceLog next = InferenceLog.start(spooled(new DeltaKernelAppender(location, new Configuration()), dir, 1_000, Duration.ofHours(1), maxBytes),
        InferenceLogMetrics.NONE);
    await("the kept records committed", () -> spoolFiles().isEmpty());
    next.close(Duration.ofSeconds(10));
    assertThat(requestIds(location)).hasSize(kept).doesNotHaveDuplicates();
  }

  @Test
  void a_file_whose_commit_keeps_failing_is_given_up_and_counted_and_the_files_after_it_are_committed() throws Exception {
    String location = table("poison");
    InferenceAppender poisoned = failingWith(location, "poison-2");
    ServingMetrics metrics = new ServingMetrics();
    InferenceLog log = InferenceLog.start(spooled(poisoned, dir, 1_000, Duration.ofHours(1), 1 << 30), metrics.inferenceLog());
    metrics.inferenceLogQueue(log);
    Records.many("poison", 10, AT, "host:1").forEach(log::offer);
    await("the file after the bad one committed", () -> log.committedRows() == 5);
    log.close(Duration.ofSeconds(20));

    assertThat(requestIds(location)).containsExactly("poison-5", "poison-6", "poison-7", "poison-8", "poison-9");
    assertThat(metrics.scrape()).contains("treeline_inference_log_dropped_total{reason=\"write_failed\"} 5")
        .contains("treeline_inference_log_dropped_total{reason=\"spool_full\"} 0");
    assertThat(spoolFiles()).isEmpty();
  }

  /** An appender into {@code location} whose commit of a batch holding record {@code poisonId} always fails. */
  private static InferenceAppender failingWith(String location, String poisonId) {
    DeltaKernelAppender table = new DeltaKernelAppender(location, new Configuration());
    return new InferenceAppender() {
      @Override
      public long append(List<InferenceRecord> records) {
        throw new AssertionError("a spooled writer commits through open(spoolId, number), never through append");
      }

      @Override
      public Batch open(String spoolId, long number) throws IOException {
        Batch batch = table.open(spoolId, number);
        return new Batch() {
          private boolean poison;

          @Override
          public void add(InferenceRecord record) throws Exception {
            poison |= record.requestId().equals(poisonId);
            batch.add(record);
          }

          @Override
          public int rows() {
            return batch.rows();
          }

          @Override
          public long commit() throws Exception {
            if (poison) {
              throw new IOException("this batch cannot be committed");
            }
            return batch.commit();
          }

          @Override
          public void abort() {
            batch.abort();
          }
        };
      }

      @Override
      public String destination() {
        return location;
      }
    };
  }

  /** A commit of several files that fails sends them back one at a time, so that only the file that keeps failing is given up. */
  @Test
  void a_failing_commit_of_several_files_gives_up_only_the_bad_file() throws Exception {
    String location = table("poison-together");
    ServingMetrics metrics = new ServingMetrics();
    InferenceLog log = InferenceLog.start(spooled(failingWith(location, "poison-12"), dir, 0, Duration.ofHours(1), 1 << 30), metrics.inferenceLog());
    metrics.inferenceLogQueue(log);
    Records.many("poison", 20, AT, "host:1").forEach(log::offer);
    await("four spool files", () -> log.queueDepth() == 0 && spoolFiles().size() == 4);
    Thread.sleep(300); // past the flush interval: every file closed

    // At the stop: the first file alone, then the three others together, which fails on the third file's record.
    log.close(Duration.ofSeconds(30));
    assertThat(requestIds(location)).hasSize(15).doesNotHaveDuplicates().noneMatch(id -> id.matches("poison-1[0-4]"));
    assertThat(metrics.scrape()).contains("treeline_inference_log_dropped_total{reason=\"write_failed\"} 5");
    assertThat(spoolFiles()).isEmpty();
  }

  @Test
  void a_spool_directory_another_server_holds_is_refused_with_its_name() throws Exception {
    InferenceLog log = InferenceLog.start(spooled(new DeltaKernelAppender(table("held"), new Configuration()), dir, 1_000, Duration.ofHours(1), 1 << 30),
        InferenceLogMetrics.NONE);
    try {
      assertThatThrownBy(() -> InferenceSpool.open(dir)).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("Cannot use the inference log's spool at " + dir + ": another server process holds it")
          .hasMessageContaining("serving.inference-log.spool-dir");
    } finally {
      log.close(Duration.ofSeconds(5));
    }
  }

  @Test
  void a_spool_whose_next_number_is_unreadable_stops_the_start_saying_what_to_do() throws Exception {
    Files.writeString(dir.resolve("spool.next"), "seven\n");
    InferenceLogSettings settings = spooled(new DeltaKernelAppender(table("unreadable"), new Configuration()), dir, 1_000, Duration.ofHours(1), 1 << 30);
    assertThatThrownBy(() -> InferenceLog.start(settings, InferenceLogMetrics.NONE)).isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining("Cannot open the inference log's spool at " + dir)
        .hasMessageContaining("spool.next holds 'seven', not the spool's next file number");
    // The directory is not left locked: once repaired, a server opens it.
    Files.writeString(dir.resolve("spool.next"), "7\n");
    InferenceLog log = InferenceLog.start(settings, InferenceLogMetrics.NONE);
    log.offer(Records.record("after-repair", 0, AT, "host:1"));
    log.close(Duration.ofSeconds(10));
    assertThat(requestIds(table("unreadable"))).containsExactly("after-repair");
    assertThat(Files.readString(dir.resolve("spool.next")).trim()).isEqualTo("8");
  }

  private static int records(Path spoolFile) {
    try {
      return SpoolSegment.read(spoolFile).records().size();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void append(InferenceSpool spool, InferenceRecord record) {
    try {
      spool.append(record);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
