package io.treeline.core.lake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.treeline.core.error.InvalidInputException;
import io.treeline.core.testing.HeldWrite;
import io.treeline.core.testing.LogCapture;
import io.treeline.core.testing.TempLake;
import io.treeline.core.testing.TestSpark;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

class LakeCatalogTest {
  private static final TableName GOOD = TableName.parse("raw.good");
  private static final TableName STAGED_ONLY = TableName.parse("training.staged_only");
  private static final TableName EMPTY_LOG = TableName.parse("training.empty_log");
  private static final TableName LEFTOVERS = TableName.parse("training.leftovers");
  private static final String REMEDY = "Wait for the job, or delete the directory if no job is writing it.";
  private static final String STAGED_COMMIT = "00000000000000000000.0b6f2c1e-5a7d-4d2a-9c7e-3f1a2b3c4d5e.json";

  private final SparkSession spark = TestSpark.session();

  @Test
  void registers_the_committed_tables_and_skips_those_whose_first_write_left_no_commit() throws IOException {
    try (TempLake lake = new TempLake()) {
      write(lake, GOOD, 3);
      Path stagedOnly = logOf(lake, STAGED_ONLY).resolve("_staged_commits");
      Files.createDirectories(stagedOnly);
      Files.writeString(stagedOnly.resolve(STAGED_COMMIT), "{\"commitInfo\":{}}\n");
      Files.createDirectories(logOf(lake, EMPTY_LOG));
      Path leftovers = logOf(lake, LEFTOVERS);
      Files.createDirectories(leftovers.resolve("_commits"));
      Files.writeString(leftovers.resolve("00000000000000000000.crc"), "{}");
      Files.writeString(leftovers.resolve(".00000000000000000000.json.1c2d3e4f.tmp"), "{}");
      LakeCatalog catalog = new LakeCatalog(spark, lake.layout());

      try (LogCapture warnings = LogCapture.warningsOf(LakeCatalog.class)) {
        assertThat(catalog.registerAll()).containsExactly(GOOD);
        assertThat(warnings.messages()).containsExactly(
            warning(lake, EMPTY_LOG), warning(lake, LEFTOVERS), warning(lake, STAGED_ONLY));
      }
      assertThat(count("raw.good")).isEqualTo(3);
      assertThat(catalog.tables()).containsExactly(GOOD);
      for (TableName broken : List.of(STAGED_ONLY, EMPTY_LOG, LEFTOVERS)) {
        Throwable failure = catchFailure("select * from " + broken);
        assertThat(catalog.explainMissingTable(failure)).get()
            .satisfies(e -> assertThat(e).hasMessage(noCommitMessage("read", lake, broken)))
            .satisfies(e -> assertThat(e.remedy()).isEqualTo(REMEDY));
      }
      assertThat(catalog.explainMissingTable(catchFailure("select * from raw.absent"))).isEmpty();
    }
  }

  @Test
  void register_names_the_table_when_delta_finds_no_commit() throws IOException {
    try (TempLake lake = new TempLake()) {
      Files.createDirectories(logOf(lake, STAGED_ONLY).resolve("_staged_commits"));

      // register() does not list the log: Delta's own refusal is turned into the error (registerAll's second line of defence)
      assertThatThrownBy(() -> new LakeCatalog(spark, lake.layout()).register(STAGED_ONLY))
          .isInstanceOf(InvalidInputException.class)
          .hasMessage(noCommitMessage("register", lake, STAGED_ONLY))
          .extracting(e -> ((InvalidInputException) e).remedy())
          .isEqualTo(REMEDY);
    }
  }

  @Test
  void forgets_tables_deleted_since_they_were_registered_and_picks_up_first_commits() throws IOException {
    try (TempLake lake = new TempLake()) {
      TableName deleted = TableName.parse("raw.deleted");
      TableName remade = TableName.parse("raw.remade");
      TableName later = TableName.parse("raw.later");
      write(lake, GOOD, 3);
      write(lake, deleted, 1);
      write(lake, remade, 2);
      Files.createDirectories(logOf(lake, later));
      LakeCatalog catalog = new LakeCatalog(spark, lake.layout());
      assertThat(catalog.registerAll()).containsExactly(deleted, GOOD, remade);

      delete(lake, deleted);
      delete(lake, remade);
      Files.createDirectories(logOf(lake, remade).resolve("_staged_commits"));
      write(lake, later, 4);

      assertThat(catalog.registerAll()).containsExactly(GOOD, later);
      assertThat(spark.catalog().tableExists("raw.deleted")).isFalse();
      assertThat(spark.catalog().tableExists("raw.remade")).isFalse();
      assertThat(count("raw.later")).isEqualTo(4);
    }
  }

  @Test
  void registers_and_queries_beside_a_job_that_is_creating_a_table() {
    try (TempLake lake = new TempLake()) {
      write(lake, GOOD, 3);
      TableName creating = TableName.parse("training.quality_full");
      String location = lake.layout().table(creating);
      LakeCatalog catalog = new LakeCatalog(spark, lake.layout());

      try (HeldWrite job = HeldWrite.start(spark, location, 5)) {
        assertThat(DeltaLogs.hasCommit(location, spark.sparkContext().hadoopConfiguration())).isFalse();
        try (LogCapture warnings = LogCapture.warningsOf(LakeCatalog.class)) {
          assertThat(catalog.registerAll()).containsExactly(GOOD);
          assertThat(warnings.messages()).singleElement().asString().startsWith("Not registering training.quality_full: its directory " + location);
        }
        assertThat(count("raw.good")).isEqualTo(3);
        assertThat(job.isRunning()).isTrue();

        job.commit();
      }

      assertThat(catalog.registerAll()).containsExactly(GOOD, creating);
      assertThat(count("training.quality_full")).isEqualTo(5);
    }
  }

  private static String warning(TempLake lake, TableName table) {
    return "Not registering " + table + ": its directory " + lake.layout().table(table)
        + " has no Delta commit yet — a job may still be creating it, or a failed first write left it behind. "
        + REMEDY + " Queries that name it fail until it has one.";
  }

  private static String noCommitMessage(String verb, TempLake lake, TableName table) {
    return "Cannot " + verb + " " + table + ": its directory " + lake.layout().table(table)
        + " has no Delta commit yet — a job may still be creating it, or a failed first write left it behind";
  }

  private Throwable catchFailure(String query) {
    try {
      spark.sql(query).collectAsList();
    } catch (Exception e) {
      return e;
    }
    throw new AssertionError("expected " + query + " to fail");
  }

  private long count(String table) {
    return spark.sql("select count(*) from " + table).first().getLong(0);
  }

  private void write(TempLake lake, TableName table, int rows) {
    spark.range(rows).write().format("delta").save(lake.layout().table(table));
  }

  private static void delete(TempLake lake, TableName table) throws IOException {
    try (Stream<Path> files = Files.walk(Path.of(lake.layout().table(table)))) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  private static Path logOf(TempLake lake, TableName table) {
    return Path.of(lake.layout().table(table), "_delta_log");
  }
}
