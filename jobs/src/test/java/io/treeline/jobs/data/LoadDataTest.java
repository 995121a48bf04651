package io.treeline.jobs.data;

import static io.treeline.jobs.JobsTestSupport.runJob;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.treeline.core.error.InvalidInputException;
import io.treeline.core.testing.TempLake;
import io.treeline.core.testing.TestData;
import io.treeline.core.testing.TestSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

class LoadDataTest {

  @Test
  void loads_typed_flights_with_unique_ids_and_the_airports() {
    try (TempLake lake = new TempLake()) {
      lake.stageFlightsSlice();

      LoadData.Result result = runJob(new LoadData(null, null, false), lake.config()).result();

      assertThat(result.flights().rows()).isEqualTo(TestData.FLIGHTS_SLICE_ROWS);
      assertThat(result.airports().rows()).isEqualTo(3376);
      Dataset<Row> flights = TestSpark.table(lake.layout().table(LoadData.FLIGHTS));
      assertThat(flights.schema().simpleString()).isEqualTo(
          "struct<flight_id:string,departure_time:timestamp_ntz,departure_date:date,origin:string,"
              + "destination:string,distance:int,arrival_delay:int>");
      assertThat(flights.select("flight_id").distinct().count()).isEqualTo(TestData.FLIGHTS_SLICE_ROWS);
      Row first = flights.orderBy("departure_time", "origin", "destination").first();
      assertThat(first.getString(0)).matches("200101010002-[A-Z]{3}-[A-Z]{3}-1");
    }
  }

  @Test
  void identical_rows_get_distinct_ids_that_are_stable_across_runs() {
    try (TempLake lake = new TempLake()) {
      lake.stageFlightsSlice();
      runJob(new LoadData(null, null, false), lake.config());
      String table = lake.layout().table(LoadData.FLIGHTS);
      List<Row> before = TestSpark.table(table).orderBy("flight_id").collectAsList();
      // The slice holds four groups of identical rows: their ids differ only in the occurrence number.
      long duplicated = TestSpark.table(table).groupBy("departure_time", "origin", "destination", "distance", "arrival_delay")
          .count().where("count > 1").count();

      LoadData.Result rerun = runJob(new LoadData(null, null, false), lake.config()).result();
      LoadData.Result forced = runJob(new LoadData(null, null, true), lake.config()).result();

      assertThat(duplicated).isEqualTo(4);
      assertThat(rerun.flights().unchanged()).isTrue();
      assertThat(rerun.flights().version()).isZero();
      assertThat(forced.flights().unchanged()).isFalse();
      assertThat(forced.flights().version()).isEqualTo(1);
      assertThat(TestSpark.table(table).orderBy("flight_id").collectAsList()).isEqualTo(before);
    }
  }

  @Test
  void limit_loads_the_earliest_flights() {
    try (TempLake lake = new TempLake()) {
      lake.stageFlightsSlice();

      LoadData.Result result = runJob(new LoadData(1000L, null, false), lake.config()).result();

      assertThat(result.flights().rows()).isEqualTo(1000);
      Row loadedRange = TestSpark.table(lake.layout().table(LoadData.FLIGHTS)).selectExpr("max(departure_time)").first();
      long earlierInFile = TestSpark.session().read().parquet(TestData.flightsSlice().toString())
          .where(org.apache.spark.sql.functions.col("date").leq(org.apache.spark.sql.functions.lit(loadedRange.get(0))))
          .count();
      assertThat(earlierInFile).isGreaterThanOrEqualTo(1000);
      assertThat(runJob(new LoadData(2000L, null, false), lake.config()).result().flights().rows()).isEqualTo(2000);
    }
  }

  @Test
  void missing_files_ask_for_data_fetch() {
    try (TempLake lake = new TempLake()) {
      assertThatThrownBy(() -> runJob(new LoadData(null, null, false), lake.config()))
          .isInstanceOf(InvalidInputException.class)
          .hasMessageStartingWith("Cannot load the flights data: ")
          .hasMessageEndingWith("flights-3m.parquet does not exist")
          .satisfies(e -> assertThat(((InvalidInputException) e).remedy()).contains("treeline data fetch"));
    }
  }

  @Test
  void a_file_of_the_wrong_shape_is_refused_and_nothing_is_written() throws Exception {
    try (TempLake lake = new TempLake()) {
      lake.stageFlightsSlice();
      Path raw = lake.root().resolve("raw/vega-datasets-3.2.1/flights-3m.parquet");
      Files.delete(raw);
      TestSpark.session().sql("select timestamp_ntz'2001-01-01 00:00' as date, 'ATL' as origin")
          .coalesce(1).write().parquet(lake.root().resolve("wrong").toString());
      try (var parts = Files.list(lake.root().resolve("wrong"))) {
        Files.copy(parts.filter(p -> p.toString().endsWith(".parquet")).findFirst().orElseThrow(), raw);
      }

      assertThatThrownBy(() -> runJob(new LoadData(null, null, false), lake.config()))
          .isInstanceOf(InvalidInputException.class)
          .hasMessage("Cannot load " + raw + ": it has no column 'delay' (columns: date, origin)");
      assertThat(lake.root().resolve("tables/raw/flights")).doesNotExist();
    }
  }

  @Test
  void a_sample_is_the_same_flights_on_every_run_spread_over_the_whole_period() {
    try (TempLake lake = new TempLake()) {
      lake.stageFlightsSlice();
      String table = lake.layout().table(LoadData.FLIGHTS);
      runJob(new LoadData(null, null, false), lake.config());
      List<Row> all = TestSpark.table(table).orderBy("flight_id").collectAsList();

      LoadData.Result sampled = runJob(new LoadData(null, 0.25, false), lake.config()).result();
      List<Row> sample = TestSpark.table(table).orderBy("flight_id").collectAsList();
      LoadData.Result again = runJob(new LoadData(null, 0.25, false), lake.config()).result();
      LoadData.Result whole = runJob(new LoadData(null, 1.0, false), lake.config()).result();

      // A quarter of the slice's flights, give or take three standard deviations, each exactly as the full load has it.
      assertThat(sampled.flights().unchanged()).isFalse();
      assertThat(sampled.flights().rows()).isBetween(4_800L, 5_200L).isEqualTo(sample.size());
      assertThat(all).containsAll(sample);
      assertThat(sample.stream().map(r -> r.getDate(2)).distinct().count()).isEqualTo(all.stream().map(r -> r.getDate(2)).distinct().count());
      assertThat(again.flights().unchanged()).isTrue();
      assertThat(whole.flights().unchanged()).isFalse();
      assertThat(whole.flights().rows()).isEqualTo(TestData.FLIGHTS_SLICE_ROWS);
    }
  }

  @Test
  void a_sample_outside_zero_to_one_or_with_a_limit_is_refused() {
    for (double bad : new double[] {0, -0.1, 1.5, Double.NaN}) {
      assertThatThrownBy(() -> new LoadData(null, bad, false))
          .hasMessage("Cannot load raw.flights: --sample must be a fraction above 0 and at most 1, got " + bad);
    }
    assertThatThrownBy(() -> new LoadData(10L, 0.5, false))
        .hasMessage("Cannot load raw.flights: --limit and --sample cannot be combined");
  }

  @Test
  void a_limit_below_one_is_refused() {
    assertThatThrownBy(() -> new LoadData(0L, null, false))
        .hasMessage("Cannot load raw.flights: --limit must be positive, got 0");
  }
}
