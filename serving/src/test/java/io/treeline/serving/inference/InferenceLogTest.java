package io.treeline.serving.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.treeline.core.testing.TempLake;
import io.treeline.core.testing.TestSpark;
import io.treeline.serving.http.ServingMetrics;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The inference log's queue, writer and Delta appender, read back with Spark. */
class InferenceLogTest {
  private static final TempLake LAKE = new TempLake();
  private static final SparkSession SPARK = TestSpark.session();

  @AfterAll
  static void cleanUp() {
    LAKE.close();
  }

  private static String table(String name) {
    return LAKE.root().resolve(name).toString();
  }

  private static Dataset<Row> read(String location) {
    return SPARK.read().format("delta").load(location);
  }

  @Test
  void appends_rows_that_spark_reads_with_the_table_contract_partitioned_by_utc_date() throws Exception {
    String location = table("contract");
    DeltaKernelAppender appender = new DeltaKernelAppender(location, new Configuration());
    Instant beforeMidnight = Instant.parse("2026-03-01T23:59:59.999Z");
    List<InferenceRecord> batch = new ArrayList<>(Records.many("a", 3, beforeMidnight, "host:1")); // the last two fall on March 2
    batch.add(Records.record("b", 2, Instant.parse("2026-03-01T12:00:00.123456Z"), "host:1"));

    long first = appender.append(batch);
    long second = appender.append(Records.many("c", 2, Instant.parse("2026-03-03T00:00:00Z"), "host:1"));

    assertThat(second).isEqualTo(first + 1);
    Dataset<Row> log = read(location);
    assertThat(log.schema()).isEqualTo(StructType.fromDDL(InferenceLogSchema.DDL));
    assertThat(SPARK.sql("DESCRIBE DETAIL delta.`" + location + "`").first().<String>getList(
        SPARK.sql("DESCRIBE DETAIL delta.`" + location + "`").first().fieldIndex("partitionColumns"))).containsExactly("date");
    assertThat(log.count()).isEqualTo(6);
    List<Row> days = log.groupBy("date").count().orderBy("date").collectAsList();
    assertThat(days.stream().map(r -> r.getDate(0).toLocalDate() + "=" + r.getLong(1)))
        .containsExactly("2026-03-01=2", "2026-03-02=2", "2026-03-03=2");

    Row b = log.where("request_id = 'b'").first();
    assertThat(b.<java.sql.Timestamp>getAs("logged_at").toInstant()).isEqualTo(Instant.parse("2026-03-01T12:00:00.123456Z"));
    assertThat(b.<Integer>getAs("record_index")).isEqualTo(2);
    assertThat(b.<String>getAs("origin")).isEqualTo("online");
    assertThat(b.<String>getAs("route")).isEqualTo("/v1/models/{name}/predict");
    assertThat(b.<Long>getAs("model_version")).isEqualTo(3L);
    assertThat(b.<String>getAs("request")).isEqualTo("{\"origin\":\"SFO\",\"distance\":302.0}");
    assertThat(b.<Double>getAs("prediction")).isEqualTo(0.0);
    assertThat(b.<Double>getAs("probability")).isEqualTo(0.25);
    assertThat(b.<Double>getAs("latency_ms")).isEqualTo(1.5);
    List<Row> features = b.getList(b.fieldIndex("features"));
    assertThat(features).hasSize(5);
    Row looked = features.get(2);
    assertThat(looked.getString(0)).isEqualTo("origin_delays__avg_delay_24h");
    assertThat(looked.getString(1)).isEqualTo("origin_delays");
    assertThat(looked.getString(2)).isEqualTo("online_store");
    assertThat(looked.getDouble(3)).isEqualTo(12.5);
    assertThat(looked.isNullAt(4)).isTrue();
    assertThat(looked.getTimestamp(5).toInstant()).isEqualTo(Instant.parse("2001-06-01T00:00:00Z"));
    assertThat(features.get(0).getString(4)).isEqualTo("SFO");
    Row missing = features.get(4);
    assertThat(missing.getString(2)).isEqualTo("missing");
    assertThat(missing.isNullAt(3) && missing.isNullAt(4) && missing.isNullAt(5)).isTrue();
  }

  /** What batch scoring appends with Spark: the same columns, origin 'batch', no latency. */
  private static final String BATCH_ROW = "SELECT 'batch-1' request_id, 0 record_index, TIMESTAMP'2026-03-01 10:00:00Z' logged_at,"
      + " DATE'2026-03-01' date, 'batch' origin, CAST(NULL AS STRING) route, 'delay' served_name, 'delay' model_name, 3L model_version,"
      + " 'run-1' run_id, '{\"origin\":\"SFO\"}' request, array(named_struct('name', 'origin', 'view', CAST(NULL AS STRING), 'source', 'request',"
      + " 'number', CAST(NULL AS DOUBLE), 'text', 'SFO', 'feature_time', CAST(NULL AS TIMESTAMP))) features, 1.0D prediction, 0.7D probability,"
      + " CAST(NULL AS DOUBLE) latency_ms, 'score-job' server";

  @Test
  void batch_scoring_with_spark_and_the_server_append_to_one_table_whichever_made_it() throws Exception {
    String serverFirst = table("server-first");
    new DeltaKernelAppender(serverFirst, new Configuration()).append(Records.many("online", 3, Instant.now(), "replica"));
    SPARK.sql(BATCH_ROW).write().format("delta").mode("append").save(serverFirst);
    assertThat(read(serverFirst).groupBy("origin").count().orderBy("origin").collectAsList().stream().map(r -> r.getString(0) + "=" + r.getLong(1)))
        .containsExactly("batch=1", "online=3");

    String batchFirst = table("batch-first");
    SPARK.sql("CREATE TABLE delta.`" + batchFirst + "` (" + InferenceLogSchema.DDL + ") USING delta PARTITIONED BY (date)");
    SPARK.sql(BATCH_ROW).write().format("delta").mode("append").save(batchFirst);
    new DeltaKernelAppender(batchFirst, new Configuration()).append(Records.many("online", 3, Instant.now(), "replica"));
    assertThat(read(batchFirst).count()).isEqualTo(4);
    assertThat(read(batchFirst).schema()).isEqualTo(StructType.fromDDL(InferenceLogSchema.DDL));
  }

  @Test
  void a_log_made_before_the_arm_column_is_still_appended_to_and_shows_the_arms_once_the_column_is_added() throws Exception {
    String old = table("before-arm");
    String ddlBefore = InferenceLogSchema.DDL.substring(0, InferenceLogSchema.DDL.lastIndexOf(", arm STRING"));
    SPARK.sql("CREATE TABLE delta.`" + old + "` (" + ddlBefore + ") USING delta PARTITIONED BY (date)");
    new DeltaKernelAppender(old, new Configuration()).append(Records.many("online", 3, Instant.now(), "replica"));
    assertThat(read(old).columns()).doesNotContain("arm");
    assertThat(read(old).count()).isEqualTo(3);

    SPARK.sql("ALTER TABLE delta.`" + old + "` ADD COLUMNS (arm STRING)");
    assertThat(read(old).schema()).isEqualTo(StructType.fromDDL(InferenceLogSchema.DDL));
    assertThat(read(old).orderBy("request_id").collectAsList().stream().map(r -> String.valueOf(r.<String>getAs("arm"))))
        .as("the arms the files carried all along").containsExactly("null", "champion", "champion");
  }

  @Test
  void a_writer_follows_the_table_when_another_changes_its_metadata_or_removes_it() throws Exception {
    String path = table("changed-under");
    DeltaKernelAppender appender = new DeltaKernelAppender(path, new Configuration());
    appender.append(Records.many("first", 2, Instant.now(), "replica"));
    assertThat(SPARK.sql("SHOW TBLPROPERTIES delta.`" + path + "`").collectAsList().stream().map(r -> r.getString(0) + "=" + r.getString(1)))
        .contains(InferenceLogSchema.LOG_RETENTION_PROPERTY + "=" + InferenceLogSchema.LOG_RETENTION);

    // the writer's next commit starts from its last one, which another's metadata change makes stale: it loads the table again
    SPARK.sql("ALTER TABLE delta.`" + path + "` SET TBLPROPERTIES ('team' = 'ml-platform')");
    appender.append(Records.many("second", 3, Instant.now(), "replica"));
    assertThat(read(path).count()).isEqualTo(5);

    // removed under it: the next commit makes the table anew, from version 0, not version 3 of a table that is gone
    try (java.util.stream.Stream<java.nio.file.Path> files = java.nio.file.Files.walk(java.nio.file.Path.of(path))) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    }
    appender.append(Records.many("after", 2, Instant.now(), "replica"));
    assertThat(SPARK.sql("DESCRIBE HISTORY delta.`" + path + "`").select("version").collectAsList()).map(r -> r.getLong(0)).containsExactly(0L);
    assertThat(read(path).count()).isEqualTo(2);
  }

  @Test
  void a_table_of_another_shape_is_not_appended_to_and_the_error_says_what_differs() {
    String other = table("other-shape");
    SPARK.sql("CREATE TABLE delta.`" + other + "` (request_id STRING, logged_at STRING) USING delta");

    assertThatThrownBy(() -> new DeltaKernelAppender(other, new Configuration()).append(Records.many("x", 1, Instant.now(), "replica")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("Cannot append to the inference log at " + other + ": the table there is not an inference log (")
        .hasMessageContaining("no column record_index").hasMessageContaining("logged_at is string, not timestamp")
        .hasMessageContaining("partitioned by [], not by date")
        .hasMessageEndingWith("Move it aside, or set serving.inference-log.table to another table.");
  }

  @Test
  void a_full_queue_drops_and_counts_and_never_blocks_a_caller() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch writing = new CountDownLatch(1);
    AtomicInteger written = new AtomicInteger();
    InferenceAppender stuck = new InferenceAppender() {
      @Override
      public long append(List<InferenceRecord> records) throws InterruptedException {
        writing.countDown();
        release.await();
        written.addAndGet(records.size());
        return 0;
      }

      @Override
      public String destination() {
        return "a table that does not answer";
      }
    };
    ServingMetrics metrics = new ServingMetrics();
    InferenceLog log = InferenceLog.start(InferenceLogSettings.to(stuck).withBatching(10, 1, Duration.ofMillis(10)), metrics.inferenceLog());
    metrics.inferenceLogQueue(log);
    List<InferenceRecord> records = Records.many("r", 1 + 10 + 500, Instant.now(), "host:1");
    log.offer(records.get(0));
    assertThat(writing.await(10, TimeUnit.SECONDS)).as("the writer took the first record").isTrue();

    long start = System.nanoTime();
    for (InferenceRecord record : records.subList(1, records.size())) {
      log.offer(record);
    }
    long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

    assertThat(tookMs).as("510 offers to a full queue while the writer is stuck").isLessThan(200);
    assertThat(log.queueDepth()).isEqualTo(10);
    String scrape = metrics.scrape();
    assertThat(scrape).contains("treeline_inference_log_dropped_total{reason=\"queue_full\"} 500")
        .contains("treeline_inference_log_dropped_total{reason=\"write_failed\"} 0")
        .contains("treeline_inference_log_queue_depth 10");

    release.countDown();
    log.close(Duration.ofSeconds(10));
    assertThat(written.get()).as("what the queue held is written on close").isEqualTo(11);
    assertThat(log.committedRows()).isEqualTo(11);
    assertThat(metrics.scrape()).contains("treeline_inference_log_rows_total 11").contains("treeline_inference_log_queue_depth 0");
  }

  @Test
  void a_table_that_cannot_be_written_is_tried_again_then_the_batch_is_dropped_and_counted() {
    AtomicInteger attempts = new AtomicInteger();
    InferenceAppender broken = new InferenceAppender() {
      @Override
      public long append(List<InferenceRecord> records) {
        attempts.incrementAndGet();
        throw new IllegalStateException("the lake is down");
      }

      @Override
      public String destination() {
        return "a lake that is down";
      }
    };
    ServingMetrics metrics = new ServingMetrics();
    InferenceLog log = InferenceLog.start(InferenceLogSettings.to(broken).withBatching(100, 100, Duration.ofMillis(10)), metrics.inferenceLog());
    Records.many("r", 7, Instant.now(), "host:1").forEach(log::offer);

    log.close(Duration.ofSeconds(10));

    assertThat(attempts.get()).isEqualTo(3);
    assertThat(metrics.scrape()).contains("treeline_inference_log_dropped_total{reason=\"write_failed\"} 7")
        .contains("treeline_inference_log_rows_total 0");
  }

  @Test
  void the_writer_hands_each_record_to_its_batch_as_it_comes_not_at_the_commit() throws Exception {
    List<String> events = java.util.Collections.synchronizedList(new ArrayList<>());
    CountDownLatch threeAdded = new CountDownLatch(3);
    InferenceAppender streaming = new InferenceAppender() {
      @Override
      public long append(List<InferenceRecord> records) {
        throw new AssertionError("the writer streams through open()");
      }

      @Override
      public Batch open() {
        events.add("open");
        return new Batch() {
          private int rows;

          @Override
          public void add(InferenceRecord record) {
            events.add("add " + record.requestId());
            rows++;
            threeAdded.countDown();
          }

          @Override
          public int rows() {
            return rows;
          }

          @Override
          public long commit() {
            events.add("commit " + rows);
            return 7;
          }

          @Override
          public void abort() {
            events.add("abort");
          }
        };
      }

      @Override
      public String destination() {
        return "a streaming table";
      }
    };
    InferenceLog log = InferenceLog.start(InferenceLogSettings.to(streaming).withBatching(100, 100, Duration.ofSeconds(30)), InferenceLogMetrics.NONE);
    Records.many("r", 3, Instant.now(), "host:1").forEach(log::offer);

    assertThat(threeAdded.await(10, TimeUnit.SECONDS)).as("added long before the 30 s flush interval is over").isTrue();
    assertThat(events).containsExactly("open", "add r-0", "add r-1", "add r-2");
    assertThat(log.queueDepth()).isZero();
    log.close(Duration.ofSeconds(10));
    assertThat(events).containsExactly("open", "add r-0", "add r-1", "add r-2", "commit 3");
    assertThat(log.committedRows()).isEqualTo(3);
  }

  @Test
  void a_record_that_cannot_be_added_gives_its_batch_up_and_the_next_batch_starts_afresh() throws Exception {
    AtomicInteger opened = new AtomicInteger();
    AtomicInteger aborted = new AtomicInteger();
    List<Integer> committedRows = java.util.Collections.synchronizedList(new ArrayList<>());
    InferenceAppender diskFull = new InferenceAppender() {
      @Override
      public long append(List<InferenceRecord> records) {
        throw new AssertionError("the writer streams through open()");
      }

      @Override
      public Batch open() {
        boolean firstBatch = opened.incrementAndGet() == 1;
        return new Batch() {
          private int rows;

          @Override
          public void add(InferenceRecord record) throws java.io.IOException {
            if (firstBatch && rows == 2) {
              throw new java.io.IOException("No space left on device");
            }
            rows++;
          }

          @Override
          public int rows() {
            return rows;
          }

          @Override
          public long commit() {
            committedRows.add(rows);
            return 1;
          }

          @Override
          public void abort() {
            aborted.incrementAndGet();
          }
        };
      }

      @Override
      public String destination() {
        return "a full disk";
      }
    };
    ServingMetrics metrics = new ServingMetrics();
    InferenceLog log = InferenceLog.start(InferenceLogSettings.to(diskFull).withBatching(100, 5, Duration.ofSeconds(30)), metrics.inferenceLog());
    Records.many("r", 8, Instant.now(), "host:1").forEach(log::offer);
    log.close(Duration.ofSeconds(10));

    assertThat(committedRows).as("the second batch holds the three records after the first five").containsExactly(3);
    assertThat(aborted.get()).isGreaterThanOrEqualTo(1);
    assertThat(metrics.scrape()).contains("treeline_inference_log_dropped_total{reason=\"write_failed\"} 5")
        .contains("treeline_inference_log_rows_total 3");
  }

  @Test
  void a_batch_that_lost_the_race_to_create_the_table_commits_its_written_files_to_the_winners_table() throws Exception {
    String location = table("lost-create");
    DeltaKernelAppender late = new DeltaKernelAppender(location, new Configuration());
    DeltaKernelAppender.KernelBatch batch = late.open(); // the table is absent: a create
    for (InferenceRecord record : Records.many("late", 4, Instant.parse("2026-03-01T23:59:59.999Z"), "late")) {
      batch.add(record); // two dates, so two files
    }
    new DeltaKernelAppender(location, new Configuration()).append(Records.many("winner", 2, Instant.now(), "winner"));

    long version = batch.commit();

    assertThat(version).isEqualTo(1);
    Dataset<Row> log = read(location);
    assertThat(log.groupBy("server").count().orderBy("server").collectAsList().stream().map(r -> r.getString(0) + "=" + r.getLong(1)))
        .containsExactly("late=4", "winner=2");
  }

  @Test
  void two_writers_at_once_into_a_new_table_append_every_row_exactly_once() throws Exception {
    String location = table("two-writers");
    InferenceLog a = InferenceLog.start(InferenceLogSettings.to(new DeltaKernelAppender(location, new Configuration()))
        .withBatching(1000, 50, Duration.ofMillis(20)).withServer("a"), InferenceLogMetrics.NONE);
    InferenceLog b = InferenceLog.start(InferenceLogSettings.to(new DeltaKernelAppender(location, new Configuration()))
        .withBatching(1000, 50, Duration.ofMillis(20)).withServer("b"), InferenceLogMetrics.NONE);
    Instant now = Instant.now();
    Thread feedA = new Thread(() -> Records.many("a", 250, now, "a").forEach(r -> offerSlowly(a, r)));
    Thread feedB = new Thread(() -> Records.many("b", 250, now, "b").forEach(r -> offerSlowly(b, r)));
    feedA.start();
    feedB.start();
    feedA.join();
    feedB.join();
    a.close(Duration.ofSeconds(60));
    b.close(Duration.ofSeconds(60));

    Dataset<Row> log = read(location);
    assertThat(log.count()).isEqualTo(500);
    assertThat(log.select("request_id", "record_index").distinct().count()).isEqualTo(500);
    assertThat(log.groupBy("server").count().orderBy("server").collectAsList().stream().map(r -> r.getString(0) + "=" + r.getLong(1)))
        .containsExactly("a=250", "b=250");
    long commits = SPARK.sql("DESCRIBE HISTORY delta.`" + location + "`").count();
    assertThat(commits).as("many commits, so the writers met").isGreaterThan(4);
  }

  /** A steady trickle, so the two writers commit many small batches side by side rather than one each. */
  private static void offerSlowly(InferenceLog log, InferenceRecord record) {
    log.offer(record);
    if (record.requestId().hashCode() % 8 == 0) {
      try {
        Thread.sleep(1);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
