package io.treeline.featurestore.stream;

import static io.treeline.featurestore.FeatureStoreTestSupport.view;
import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.treeline.core.testing.TempLake;
import io.treeline.core.testing.TestSpark;
import io.treeline.featurestore.offline.ViewSource;
import io.treeline.featurestore.spec.FeatureView;
import java.sql.Timestamp;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** A compiled plan gives, row by row, what the same DataFrame gives when Spark runs it, awkward events included. */
class CompiledRowPlanTest {
  private static final StructType SOURCE = new StructType().add("k", DataTypes.StringType).add("ts", DataTypes.TimestampNTZType)
      .add("v", DataTypes.IntegerType).add("x", DataTypes.DoubleType);

  private static final List<String> PAYLOADS = List.of(
      "{\"k\":\"a\",\"ts\":\"2001-01-01T10:00:00\",\"v\":1,\"x\":-0.0}",
      "{\"k\":\"a\",\"ts\":\"2001-01-01 10:05:00.123456\",\"v\":\"2\",\"x\":\"1e16\"}",
      "{\"k\":\"b\",\"ts\":\"2001-01-01T10:06:00\",\"v\":2147483648,\"x\":\"NaN\"}",
      "{\"k\":\"b\",\"ts\":\"yesterday\",\"v\":3}",
      "{\"k\":null,\"ts\":\"2001-01-01T10:07:00\",\"v\":13}",
      "{\"ts\":\"2001-01-01T10:08:00\"}",
      "[1, 2]",
      "not json",
      "",
      "{\"k\":\"c\",\"ts\":\"2001-01-01T10:09:00\",\"v\":null,\"x\":1.5,\"extra\":{\"nested\":true}}",
      "{\"k\":\"é\",\"ts\":\"2001-01-01T23:59:59.999999\",\"v\":-7,\"x\":\"-Infinity\"}");

  private static final String VIEW = """
      views:
        - name: k_stats
          entities: [k]
          source: {table: src.events, filter: v <> 13}
          event_time: ts
          available_at: ts + make_dt_interval(0, 0, abs(v), 0)
          columns: {big: x > 100}
          features:
            - {name: n_1h, agg: count, window: 1h}
            - {name: avg_1h, expr: v, agg: avg, window: 1h}
            - {name: big_share, expr: CAST(big AS DOUBLE), agg: avg, window: 1h}
            - {name: max_x, expr: x, agg: max, window: 1h}
      """;

  @Test
  void checking_and_preparing_events_row_by_row_give_what_spark_gives() {
    SparkSession spark = TestSpark.session();
    try (TempLake lake = new TempLake()) {
      FeatureView view = view(lake, VIEW);
      List<Row> raw = PAYLOADS.stream().map(p -> RowFactory.create(p, "t", 0, 1L, null, new Timestamp(1_000_000_000_000L))).toList();
      var required = ViewStream.requiredFields(view, SOURCE);
      java.util.function.UnaryOperator<Dataset<Row>> check = rows -> StreamEvents.parse(rows, SOURCE, required)
          .where(col(StreamEvents.REASON).isNull()).select("k", "ts", "v", "x", StreamEvents.PRODUCED_AT);
      List<Row> checked = new CompiledRowPlan(spark, LaneFeed.RAW, check).run(raw);
      assertThat(checked).containsExactlyElementsOf(check.apply(spark.createDataFrame(raw, LaneFeed.RAW)).collectAsList());
      assertThat(checked).hasSize(4);

      List<Row> source = checked.stream().map(r -> RowFactory.create(r.get(0), r.get(1), r.get(2), r.get(3))).toList();
      java.util.function.UnaryOperator<Dataset<Row>> prepare = rows -> ViewSource.prepared(view, ViewSource.derived(view, rows));
      List<Row> prepared = new CompiledRowPlan(spark, SOURCE, prepare).run(source);
      assertThat(prepared).containsExactlyElementsOf(prepare.apply(spark.createDataFrame(source, SOURCE)).collectAsList());
      assertThat(prepared).hasSize(3);
    }
  }

  @Test
  void a_plan_that_is_more_than_projections_and_filters_is_refused_by_name() {
    assertThatThrownBy(() -> new CompiledRowPlan(TestSpark.session(), SOURCE, rows -> rows.groupBy("k").count()))
        .hasMessageContaining("cannot run a Aggregate row by row");
  }
}
