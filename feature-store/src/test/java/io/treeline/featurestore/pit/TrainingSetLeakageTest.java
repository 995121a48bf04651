package io.treeline.featurestore.pit;

import static org.assertj.core.api.Assertions.assertThat;

import io.treeline.core.lake.TableName;
import io.treeline.core.testing.TempLake;
import io.treeline.core.testing.TestSpark;
import io.treeline.featurestore.offline.Materializer;
import io.treeline.featurestore.spec.FeatureRepository;
import io.treeline.featurestore.spec.FeatureView;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The shipped flights views on the 20,000-flight slice: every feature value of the training set
 * is recomputed by brute force from the raw rows known strictly before each flight's departure.
 */
class TrainingSetLeakageTest {
  private static final String SPINE =
      "select flight_id, origin, destination, departure_time, cast(arrival_delay > 15 as int) as label from raw.flights";
  private static TempLake lake;
  private static FeatureRepository repository;
  private static TrainingSetBuilder.Result result;

  @BeforeAll
  static void build() {
    lake = new TempLake();
    SparkSession spark = TestSpark.session();
    spark.read().parquet(io.treeline.core.testing.TestData.flightsSlice().toString())
        .selectExpr("concat_ws('-', date_format(date, 'yyyyMMddHHmm'), origin, destination, "
            + "cast(row_number() over (partition by date, origin, destination order by delay, distance) as string)) as flight_id",
            "date as departure_time", "origin", "destination", "cast(distance as int) as distance", "cast(delay as int) as arrival_delay")
        .write().format("delta").save(lake.layout().table(TableName.parse("raw.flights")));
    spark.read().option("header", "true").option("inferSchema", "true").csv(io.treeline.core.testing.TestData.airports().toString())
        .write().format("delta").save(lake.layout().table(TableName.parse("raw.airports")));
    repository = FeatureRepository.load(Path.of("..", "conf", "features"));
    Materializer materializer = new Materializer(spark, lake.layout());
    repository.views().forEach(v -> materializer.materialize(v, Optional.empty(), Optional.empty()));
    TrainingSetBuilder builder = new TrainingSetBuilder(spark, lake.layout(), repository);
    List<FeatureRef> all = repository.views().stream().map(v -> new FeatureRef(v.name(), FeatureRef.ALL)).toList();
    Spine spine = new Spine(SPINE, "departure_time");
    result = builder.write(builder.build(spine, all, Map.of()), spine, TableName.parse("training.flights"));
    TestSpark.table(lake.layout().table(TableName.parse("training.flights"))).createOrReplaceTempView("training_set");
    // Version 0: the rebuild test appends to raw.flights afterwards.
    spark.read().format("delta").option("versionAsOf", 0).load(lake.layout().table(TableName.parse("raw.flights")))
        .createOrReplaceTempView("slice_flights");
  }

  @AfterAll
  static void cleanUp() {
    lake.close();
  }

  @Test
  void one_row_per_flight_with_every_declared_feature() {
    Row counts = TestSpark.sql("select count(*), count(distinct flight_id) from training_set").get(0);

    assertThat(counts.getLong(0)).isEqualTo(20_000);
    assertThat(counts.getLong(1)).isEqualTo(20_000);
    assertThat(result.rows()).isEqualTo(20_000);
    assertThat(result.featureColumns()).extracting(io.treeline.core.lake.FeatureColumn::column).hasSize(33).contains("origin_delays__avg_delay_24h", "route_delays__last_delay", "origin_airport_stats__landed_1h",
        "destination_airport__state");
    assertThat(result.inputVersions()).containsEntry("raw.flights", 0L).containsEntry("features.route_delays", 0L);
  }

  @Test
  void no_delay_statistic_uses_a_flight_that_had_not_landed_by_departure() {
    // Brute force: for each flight, the origin's landed flights with estimated landing in [t - 24h, t).
    List<Row> mismatches = TestSpark.sql("""
        with known as (
          select origin, arrival_delay,
                 departure_time + make_dt_interval(0, 0, 45 + cast(distance / 8 as int), 0) as landed
          from slice_flights where arrival_delay between -120 and 1000),
        expected as (
          select t.flight_id, avg(k.arrival_delay) as avg_24h, count(k.arrival_delay) as n_1h_unused
          from training_set t left join known k
            on k.origin = t.origin and k.landed < t.departure_time and k.landed >= t.departure_time - interval 24 hours
          group by t.flight_id)
        select t.flight_id, t.origin_delays__avg_delay_24h, e.avg_24h
        from training_set t join expected e using (flight_id)
        where not (t.origin_delays__avg_delay_24h <=> e.avg_24h)
          and (t.origin_delays__avg_delay_24h is null or e.avg_24h is null
               or abs(t.origin_delays__avg_delay_24h - e.avg_24h) > 1e-9)
        """);

    assertThat(mismatches).isEmpty();
  }

  @Test
  void departure_counts_use_only_earlier_departures() {
    List<Row> mismatches = TestSpark.sql("""
        select t.flight_id, t.origin_departures__departures_1h, count(f.flight_id) as expected
        from training_set t left join slice_flights f
          on f.origin = t.origin and f.departure_time < t.departure_time and f.departure_time >= t.departure_time - interval 1 hour
        group by t.flight_id, t.origin_departures__departures_1h
        having t.origin_departures__departures_1h <=> count(f.flight_id) = false
           and not (t.origin_departures__departures_1h is null and count(f.flight_id) = 0)
        """);

    assertThat(mismatches).isEmpty();
  }

  @Test
  void a_rebuild_at_the_recorded_versions_is_identical() {
    SparkSession spark = TestSpark.session();
    FeatureView origin = repository.get("origin_delays");
    // Change the inputs after the first build: the rebuild must not see it.
    new Materializer(spark, lake.layout()).materialize(origin, Optional.empty(), Optional.empty());
    spark.sql("select * from slice_flights limit 5").write().format("delta").mode("append")
        .save(lake.layout().table(TableName.parse("raw.flights")));
    TrainingSetBuilder builder = new TrainingSetBuilder(spark, lake.layout(), repository);
    List<FeatureRef> all = repository.views().stream().map(v -> new FeatureRef(v.name(), FeatureRef.ALL)).toList();

    var rebuilt = builder.build(new Spine(SPINE, "departure_time"), all, result.inputVersions());

    assertThat(rebuilt.inputVersions()).isEqualTo(result.inputVersions());
    assertThat(rebuilt.rows().exceptAll(spark.table("training_set")).count()).isZero();
    assertThat(spark.table("training_set").exceptAll(rebuilt.rows()).count()).isZero();
    assertThat(spark.sql("show tblproperties delta.`" + lake.layout().table(TableName.parse("training.flights")) + "`")
        .where("key = 'treeline.input.raw.flights.version'").first().getString(1)).isEqualTo("0");
  }
}
