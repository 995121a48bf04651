package io.treeline.featurestore.oracle;

import static io.treeline.featurestore.FeatureStoreTestSupport.views;
import static org.assertj.core.api.Assertions.assertThat;

import io.treeline.core.lake.TableName;
import io.treeline.core.testing.TempLake;
import io.treeline.core.testing.TestSpark;
import io.treeline.featurestore.offline.Materializer;
import io.treeline.featurestore.oracle.NaiveFeatures.Feature;
import io.treeline.featurestore.oracle.NaiveFeatures.SourceRow;
import io.treeline.featurestore.pit.PointInTimeJoin;
import io.treeline.featurestore.pit.SpineTimes;
import io.treeline.featurestore.spec.FeatureSpec;
import io.treeline.featurestore.spec.FeatureView;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Generated adversarial sources — ties on a coarse time grid, late, missing and clamped
 * availability, null keys, values and times, composite keys, epoch milliseconds, 1e16 beside 1.0,
 * values near Long.MAX_VALUE, ±0.0 and NaN — checked cell by cell against {@link NaiveFeatures}, and
 * range runs checked bit for bit against a full run.
 */
class FeatureOracleTest {
  private static final LocalDateTime START = AdversarialSource.START;
  private static final String VIEWS = AdversarialSource.VIEWS;
  private static final StructType EDGES = AdversarialSource.EDGES;
  private static final Duration TTL = Duration.ofHours(2);

  private static final StructType SPINE = new StructType()
      .add("id", DataTypes.IntegerType).add("k", DataTypes.StringType).add("j", DataTypes.IntegerType)
      .add("t", DataTypes.TimestampNTZType);

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {1, 2, 3})
  void training_sets_and_range_runs_match_a_naive_oracle(long seed) {
    Random random = new Random(seed);
    List<Row> edges = AdversarialSource.rows(random, 260);
    List<Row> spine = spine(random, edges, 320);
    try (TempLake lake = new TempLake(); TempLake ranged = new TempLake()) {
      SparkSession spark = TestSpark.session();
      List<FeatureView> views = views(lake, VIEWS);
      for (TempLake each : List.of(lake, ranged)) {
        spark.createDataFrame(edges, EDGES).write().format("delta").save(each.layout().table(TableName.parse("src.edges")));
        spark.sql("select * from values ('a', 'north'), ('b', 'south'), (null, 'nowhere') as p(k, region)")
            .write().format("delta").save(each.layout().table(TableName.parse("src.places")));
      }
      long unplaced = edges.stream().filter(r -> r.isNullAt(2)).count();
      for (FeatureView view : views) {
        Materializer.Result full = new Materializer(spark, lake.layout()).materialize(view, Optional.empty(), Optional.empty());
        if (view.timed()) {
          assertThat(full.unplacedRows()).as("rows without an event time, " + view.name()).isEqualTo(unplaced);
        }
        Dataset<Row> offline = spark.read().format("delta").load(lake.layout().table(view.offlineTable()));
        List<String> names = view.features().stream().map(FeatureSpec::name).toList();
        NaiveFeatures oracle = view.timed() ? oracle(view, edges) : null;
        // The whole spine, and its late rows alone: their join reads only the timeline they can see.
        List<Row> lateRows = spine.stream().filter(r -> !((LocalDateTime) r.getAs(3)).isBefore(START.plusHours(4))).toList();
        for (List<Row> rows : List.of(spine, lateRows)) {
          Dataset<Row> each = spark.createDataFrame(rows, SPINE);
          List<Row> joined = PointInTimeJoin.join(each, "t", view, offline, names, SpineTimes.of(each, "t")).orderBy("id").collectAsList();
          assertThat(joined).hasSize(rows.size());
          for (Row row : joined) {
            List<Object> key = view.entities().stream().map(row::getAs).toList();
            List<Object> expected = view.timed() ? oracle.at(key, row.getAs("t")) : java.util.Collections.singletonList(places().get(key.get(0)));
            for (int i = 0; i < names.size(); i++) {
              assertCell(view.features().get(i), row.getAs(PointInTimeJoin.columnName(view.name(), names.get(i))), expected.get(i),
                  "seed " + seed + ", spine row " + row);
            }
          }
        }
        if (view.timed()) {
          assertRangeRunsEqualTheFullRun(spark, view, lake, ranged);
        }
      }
    }
  }

  /** Pieces that cover all time, then a rerun of a middle range over them, give the full run's rows bit for bit. */
  private static void assertRangeRunsEqualTheFullRun(SparkSession spark, FeatureView view, TempLake full, TempLake ranged) {
    LocalDateTime first = START.plusHours(2).plusMinutes(10).plusNanos(1000);
    Materializer materializer = new Materializer(spark, ranged.layout());
    materializer.materialize(view, Optional.empty(), Optional.of(first));
    materializer.materialize(view, Optional.of(first), Optional.empty());
    List<Row> expected = sorted(spark, full, view);
    assertThat(sorted(spark, ranged, view)).as("two ranges of " + view.name()).containsExactlyElementsOf(expected);
    materializer.materialize(view, Optional.of(START.plusHours(3).plusMinutes(5)), Optional.of(START.plusHours(6)));
    assertThat(sorted(spark, ranged, view)).as("a range rerun of " + view.name()).containsExactlyElementsOf(expected);
  }

  private static List<Row> sorted(SparkSession spark, TempLake lake, FeatureView view) {
    List<String> order = new ArrayList<>(view.entities());
    order.add("feature_time");
    return spark.read().format("delta").load(lake.layout().table(view.offlineTable()))
        .orderBy(order.stream().map(org.apache.spark.sql.functions::col).toArray(org.apache.spark.sql.Column[]::new))
        .collectAsList();
  }

  private static void assertCell(FeatureSpec feature, Object actual, Object expected, String where) {
    String what = feature.name() + " at " + where;
    boolean rounded = feature.aggregation().map(a -> a.key().equals("avg") || a.key().equals("stddev")).orElse(false);
    if (rounded && expected instanceof Double e && actual instanceof Double a && !e.isNaN()) {
      // Both are exact up to their last rounding steps: a few ulps, never a cancellation.
      assertThat(Math.abs(a - e)).as(what + ": " + a + " vs " + e).isLessThanOrEqualTo(4 * Math.ulp(e));
    } else {
      assertThat(actual).as(what).isEqualTo(expected);
    }
  }

  private static NaiveFeatures oracle(FeatureView view, List<Row> edges) {
    List<Feature> features = new ArrayList<>();
    for (FeatureSpec f : view.features()) {
      features.add(new Feature(f.name(), f.aggregation().map(a -> a.key()).orElse(null),
          f.window().map(w -> w.duration()).orElse(null), f.expr().isEmpty()));
    }
    List<SourceRow> rows = new ArrayList<>();
    for (Row edge : edges) {
      List<Object> key = view.entities().stream().map(edge::getAs).toList();
      List<Object> values = view.features().stream().map(f -> f.expr().isEmpty() ? (Object) 1 : edge.getAs(f.expr().get())).toList();
      rows.add(new SourceRow(key, edge.getAs("ts"), edge.getAs("known"), values));
    }
    return new NaiveFeatures(rows, features, view.ttl().map(t -> t.duration()).orElse(null));
  }

  private static Map<Object, Object> places() {
    Map<Object, Object> places = new HashMap<>();
    places.put("a", "north");
    places.put("b", "south");
    return places;
  }

  /** Spine rows on the grid, just off it, and at the edges that matter: availability and availability + ttl (± 1 µs). */
  private static List<Row> spine(Random random, List<Row> edges, int n) {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String k = pick(random, "a", "b", "c", "zzz", null);
      Integer j = random.nextInt(15) == 0 ? null : 1 + random.nextInt(2);
      LocalDateTime t;
      Row edge = edges.get(random.nextInt(edges.size()));
      if (random.nextBoolean() && !edge.isNullAt(2)) {
        LocalDateTime ts = edge.getAs("ts");
        LocalDateTime known = edge.isNullAt(3) || ((LocalDateTime) edge.getAs("known")).isBefore(ts) ? ts : edge.getAs("known");
        k = edge.getAs("k");
        j = edge.getAs("j");
        t = switch (random.nextInt(4)) {
          case 0 -> known;
          case 1 -> known.plusNanos(1000);
          case 2 -> known.plus(TTL);
          default -> known.plus(TTL).plusNanos(1000);
        };
      } else {
        t = START.plusMinutes(10L * random.nextInt(60)).plusNanos(1000L * pick(random, 0, 0, 1, -1, 300_000_000));
      }
      rows.add(RowFactory.create(i, k, j, t));
    }
    return rows;
  }

  private static <T> T pick(Random random, T... choices) {
    return AdversarialSource.pick(random, choices);
  }
}
