package io.treeline.featurestore.oracle;

import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Seeded adversarial source rows and the views over them that the oracle tests use: ties on a coarse
 * time grid, late, missing and clamped availability, null keys, values and times, composite keys, epoch
 * milliseconds, 1e16 beside 1.0, values near Long.MAX_VALUE, ±0.0 and NaN.
 */
public final class AdversarialSource {
  public static final LocalDateTime START = LocalDateTime.parse("2024-03-01T00:00:00");

  public static final String VIEWS = """
      views:
        - name: edge_stats
          entities: [k]
          source: {table: src.edges}
          event_time: ts
          available_at: known
          ttl: 2h
          features:
            - {name: n_1h, agg: count, window: 1h}
            - {name: n_lv_3h, expr: lv, agg: count, window: 3h}
            - {name: sum_lv_1h, expr: lv, agg: sum, window: 1h}
            - {name: avg_lv_3h, expr: lv, agg: avg, window: 3h}
            - {name: sd_lv_1h, expr: lv, agg: stddev, window: 1h}
            - {name: min_lv_3h, expr: lv, agg: min, window: 3h}
            - {name: max_lv_1h, expr: lv, agg: max, window: 1h}
            - {name: sum_dv_3h, expr: dv, agg: sum, window: 3h}
            - {name: avg_dv_1h, expr: dv, agg: avg, window: 1h}
            - {name: sd_dv_3h, expr: dv, agg: stddev, window: 3h}
            - {name: min_dv_1h, expr: dv, agg: min, window: 1h}
            - {name: max_dv_3h, expr: dv, agg: max, window: 3h}
            - {name: distinct_dv_1h, expr: dv, agg: approx_count_distinct, window: 1h}
            - {name: distinct_s_3h, expr: s, agg: approx_count_distinct, window: 3h}
            - {name: last_s_1h, expr: s, agg: last, window: 1h}
            - {name: last_s, expr: s, agg: last}
            - {name: s_now, expr: s}
            - {name: lv_now, expr: lv}
        - name: pair_stats
          entities: [k, j]
          source: {table: src.edges}
          event_time: ts
          available_at: known
          features:
            - {name: n_30m, agg: count, window: 30m}
            - {name: sd_dv_2h, expr: dv, agg: stddev, window: 2h}
            - {name: sum_lv_2h, expr: lv, agg: sum, window: 2h}
            - {name: last_dv, expr: dv, agg: last}
        - name: place
          entities: [k]
          source: {table: src.places}
          features:
            - {name: region, expr: region}
      """;

  public static final StructType EDGES = new StructType()
      .add("k", DataTypes.StringType).add("j", DataTypes.IntegerType)
      .add("ts", DataTypes.TimestampNTZType).add("known", DataTypes.TimestampNTZType)
      .add("lv", DataTypes.LongType).add("dv", DataTypes.DoubleType).add("s", DataTypes.StringType);
  private AdversarialSource() {}

  public static List<Row> rows(Random random, int n) {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String k = pick(random, "a", "a", "b", "b", "c", null);
      Integer j = random.nextInt(20) == 0 ? null : 1 + random.nextInt(2);
      LocalDateTime ts = START.plusMinutes(10L * random.nextInt(48));
      if (random.nextInt(10) == 0) {
        ts = ts.plusNanos(1000L * (1 + random.nextInt(1_000_000)));
      }
      LocalDateTime known = switch (random.nextInt(10)) {
        case 0, 1 -> null;                // falls back to the event time
        case 2 -> ts.minusMinutes(10);    // before the event: clamped to it
        case 3 -> ts.plusHours(2);
        case 4, 5 -> ts.plusMinutes(45);
        case 6 -> ts.plusMinutes(5);
        default -> ts;
      };
      if (random.nextInt(30) == 0) {
        ts = null;                        // cannot be placed in time
      }
      rows.add(new GenericRowWithSchema(
          new Object[] {k, j, ts, known, longValue(random), doubleValue(random), pick(random, "x", "y", "z", "é", null)}, EDGES));
    }
    return rows;
  }

  private static Long longValue(Random random) {
    return switch (random.nextInt(12)) {
      case 0, 1 -> null;
      case 2 -> 1_709_546_400_000L + 60_000L * random.nextInt(2);        // epoch milliseconds
      case 3 -> 1_709_546_400L + random.nextInt(3);                      // epoch seconds
      case 4 -> random.nextBoolean() ? 4_000_000_000_000_000_000L : -4_000_000_000_000_000_000L;
      case 5 -> Long.MAX_VALUE - random.nextInt(3);
      case 6 -> Long.MIN_VALUE + random.nextInt(3);
      case 7 -> 3_000_000_000L + 500_000_000L * random.nextInt(3);
      default -> (long) random.nextInt(11) - 5;
    };
  }

  private static Double doubleValue(Random random) {
    return switch (random.nextInt(16)) {
      case 0, 1 -> null;
      case 2 -> 1e16;
      case 3, 4 -> 1.0;
      case 5 -> 0.0;
      case 6 -> -0.0;
      case 7 -> random.nextInt(4) == 0 ? Double.NaN : 0.5;
      case 8 -> 1_709_546_400.1 + 0.1 * random.nextInt(4);
      case 9 -> 1e6 + 0.1 * (1 + random.nextInt(3));
      case 10 -> 1_709_546_400_000.0 + 60_000.0 * random.nextInt(2);
      default -> Math.round(random.nextGaussian() * 1e4) / 100.0;
    };
  }

  @SafeVarargs
  static <T> T pick(Random random, T... choices) {
    return choices[random.nextInt(choices.length)];
  }
}
