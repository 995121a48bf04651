package io.treeline.jobs.sql;

import static io.treeline.jobs.JobsTestSupport.runJob;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.treeline.core.error.InvalidInputException;
import io.treeline.core.testing.TempLake;
import io.treeline.jobs.JobsTestSupport.Run;
import io.treeline.jobs.data.LoadData;
import org.junit.jupiter.api.Test;

class SqlQueryTest {
  private static final String QUERY =
      "select origin, count(*) as flights from raw.flights where origin in ('ATL', 'DEN') group by origin order by origin";

  @Test
  void queries_lake_tables_by_name_in_every_format() {
    try (TempLake lake = new TempLake()) {
      lake.stageFlightsSlice();
      runJob(new LoadData(null, false), lake.config());

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
}
