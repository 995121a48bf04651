package io.treeline.jobs.sql;

import static io.treeline.jobs.JobsTestSupport.cli;
import static io.treeline.jobs.JobsTestSupport.runJob;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.treeline.core.error.InvalidInputException;
import io.treeline.core.lake.TableName;
import io.treeline.core.testing.HeldWrite;
import io.treeline.core.testing.TempLake;
import io.treeline.core.testing.TestSpark;
import io.treeline.jobs.JobsTestSupport.CliRun;
import io.treeline.jobs.JobsTestSupport.Run;
import io.treeline.jobs.data.LoadData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class SqlQueryTest {
  private static final String QUERY =
      "select origin, count(*) as flights from raw.flights where origin in ('ATL', 'DEN') group by origin order by origin";

  @Test
  void queries_lake_tables_by_name_in_every_format() {
    try (TempLake lake = new TempLake()) {
      lake.stageFlightsSlice();
      runJob(new LoadData(null, null, false), lake.config());

      Run<SqlQuery.Result> table = runJob(new SqlQuery(QUERY, ResultFormat.TABLE, 100), lake.config());
      Run<SqlQuery.Result> json = runJob(new SqlQuery(QUERY, ResultFormat.JSON, 100), lake.config());
      Run<SqlQuery.Result> csv = runJob(new SqlQuery(QUERY, ResultFormat.CSV, 1), lake.config());

      assertThat(table.out()).startsWith("+--------+---------+\n| origin | flights |\n+--------+---------+\n| ATL    |");
      assertThat(json.out().lines()).hasSize(2).allMatch(line -> line.matches("\\{\"origin\":\"(ATL|DEN)\",\"flights\":\\d+}"));
      assertThat(csv.out()).matches("origin,flights\nATL,\\d+\n");
      assertThat(csv.result().truncated()).isTrue();
      assertThat(csv.result().summaryLine()).isEqualTo("1 row (truncated; raise --max-rows to see more)");
    }
  }

  @Test
  void csv_quotes_what_needs_quoting() {
    try (TempLake lake = new TempLake()) {
      Run<SqlQuery.Result> csv = runJob(new SqlQuery("select 'a,b' as x, 'say \"hi\"' as y, null as z", ResultFormat.CSV, 10), lake.config());

      assertThat(csv.out()).isEqualTo("x,y,z\n\"a,b\",\"say \"\"hi\"\"\",\n");
    }
  }

  @Test
  void sql_that_does_not_parse_is_an_input_error() {
    try (TempLake lake = new TempLake()) {
      assertThatThrownBy(() -> runJob(new SqlQuery("selec 1", ResultFormat.TABLE, 10), lake.config()))
          .isInstanceOf(InvalidInputException.class)
          .hasMessageStartingWith("Cannot run the query: it does not parse:");
    }
  }

  @Test
  void a_table_whose_first_write_left_no_commit_fails_only_the_query_that_names_it() throws IOException {
    try (TempLake lake = new TempLake()) {
      TestSpark.session().range(3).write().format("delta").save(lake.layout().table(TableName.parse("raw.good")));
      String broken = lake.layout().table(TableName.parse("training.quality_full"));
      Files.createDirectories(Path.of(broken, "_delta_log", "_staged_commits"));

      CliRun good = cli("sql", "select count(*) as n from raw.good", "--format", "csv", "--conf", "lake.root=" + lake.root());
      CliRun named = cli("sql", "select count(*) from training.quality_full", "--conf", "lake.root=" + lake.root());

      assertThat(good.exitCode()).isZero();
      assertThat(good.out()).startsWith("n\n3\n1 row");
      assertThat(named.exitCode()).isEqualTo(2);
      assertThat(named.err()).startsWith("error: Cannot read training.quality_full: its directory " + broken
          + " has no Delta commit yet — a job may still be creating it, or a failed first write left it behind\n"
          + "Wait for the job, or delete the directory if no job is writing it.");
    }
  }

  @Test
  void answers_beside_a_job_that_is_creating_a_table() {
    try (TempLake lake = new TempLake()) {
      TestSpark.session().range(3).write().format("delta").save(lake.layout().table(TableName.parse("raw.good")));
      String creating = lake.layout().table(TableName.parse("training.quality_full"));

      try (HeldWrite job = HeldWrite.start(TestSpark.session(), creating, 5)) {
        CliRun beside = cli("sql", "select count(*) as n from raw.good", "--format", "csv", "--conf", "lake.root=" + lake.root());

        assertThat(beside.exitCode()).as(beside.err()).isZero();
        assertThat(beside.out()).startsWith("n\n3\n1 row");
        assertThat(job.isRunning()).isTrue();
        job.commit();
      }

      CliRun after = cli("sql", "select count(*) as n from training.quality_full", "--format", "csv", "--conf", "lake.root=" + lake.root());
      assertThat(after.exitCode()).as(after.err()).isZero();
      assertThat(after.out()).startsWith("n\n5\n1 row");
    }
  }
}
