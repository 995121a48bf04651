package io.treeline.serving.request;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.treeline.core.testing.TestSpark;
import java.time.LocalDateTime;
import java.util.List;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/** Request expressions compiled to Java give what Spark SQL gives for the same expression. */
class RequestExpressionsTest {
  private static final LocalDateTime WHEN = LocalDateTime.parse("2001-06-17T08:30:45"); // a Sunday

  private static double java(String sql, double x) {
    RequestExpression expression = RequestExpressions.compile(sql, (column, type) -> column.equals("x") ? 0 : 1);
    return expression.evaluate(new Object[] {x, WHEN});
  }

  private static double spark(String sql, double x) {
    List<Row> rows = TestSpark.sql("SELECT CAST(" + sql + " AS DOUBLE) FROM (SELECT " + x + "D AS x, TIMESTAMP_NTZ'"
        + WHEN.toString().replace('T', ' ') + "' AS t)");
    return rows.get(0).isNullAt(0) ? Double.NaN : rows.get(0).getDouble(0);
  }

  @Test
  void casts_arithmetic_and_date_parts_equal_spark() {
    List<String> expressions = List.of("cast(x / 100 as int)", "cast(x as smallint)", "cast(x as float)", "cast(x as decimal(6, 1))",
        "x % 7", "-x + 3 * 2", "x / 8", "cast(x as bigint)",
        // the grammar without Spark's parser: precedence, signs, literals with suffixes, quoting, case
        "1 + 2 * x - 3 / 4 % 5", "(1 + 2) * (x - 3)", "x - -1", "+x * -+2", "1e3 + 2.5E-1 + .5 + 2L + 3S + 1Y + 1.5D + 0.25BD + 1.5F",
        "CAST( `x` AS INT ) + CAST(x AS Integer)", "cast(x as decimal(10,3)) * 2", "cast(cast(x as int) as bigint)", "x/2/2", "x*2%3");
    for (double x : new double[] {337, -337.75, 0.05, 12345.25, -0.0}) {
      for (String sql : expressions) {
        assertThat(java(sql, x)).as("%s at x = %s", sql, x).isEqualTo(spark(sql, x));
      }
    }
    for (String part : List.of("hour(t)", "minute(t)", "second(t)", "dayofweek(t)", "weekday(t)", "dayofmonth(t)", "month(t)",
        "quarter(t)", "year(t)", "dayofyear(t)", "weekofyear(t)")) {
      assertThat(java(part, 0)).as(part).isEqualTo(spark(part, 0));
    }
  }

  @Test
  void a_division_by_zero_is_missing() {
    assertThat(java("x / 0", 5)).isNaN(); // Spark: null, or an error under ANSI mode
  }

  @Test
  void anything_else_is_refused_by_name() {
    assertThatThrownBy(() -> java("upper(t)", 0)).isInstanceOf(UnsupportedExpressionException.class)
        .hasMessage("Cannot serve the request feature expression 'upper(t)': the function upper() is not supported in serving; supported: "
            + String.join(", ", RequestExpressions.DATE_PARTS) + " of a timestamp column.");
    assertThatThrownBy(() -> java("cast(x as string)", 0)).isInstanceOf(UnsupportedExpressionException.class)
        .hasMessageContaining("'CAST(x AS STRING)' is not supported in serving");
    for (String broken : List.of("x +", "(x", "x y", "cast(x int)", "x == 1", "`x", "1..2")) {
      assertThatThrownBy(() -> java(broken, 0)).as(broken).isInstanceOf(UnsupportedExpressionException.class)
          .hasMessageContaining("does not parse");
    }
  }
}
