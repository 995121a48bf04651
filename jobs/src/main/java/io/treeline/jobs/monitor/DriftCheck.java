package io.treeline.jobs.monitor;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.udf;

import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF3;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.types.DataTypes;

/**
 * Drift of every model input and of the prediction against the training set, per period: PSI and
 * Jensen–Shannon distance over ten bins (training deciles with open ends for numbers; the top
 * {@value #TOP_CATEGORIES} training categories, "other" and "unseen" for text) plus a bin for
 * missing values, the Kolmogorov–Smirnov statistic for numbers over the training percentiles, and
 * the share of missing values. Both sides are counted in Spark in one aggregation each; only the
 * counts come to the driver.
 */
final class DriftCheck {
  static final int TOP_CATEGORIES = 20;
  /** Below this many predictions in a period its figures are written but never breach: PSI of a handful of rows is noise. */
  static final long MIN_ROWS = 100;
  private static final String NULL_KEY = "\u0000null";
  private static final String OTHER = "other";
  private static final String UNSEEN = "unseen";

  /** A monitored input: its name in the log and the training set, whether it is a number, its PSI threshold (null: reported only). */
  record Input(String name, boolean numeric, Double threshold) {}

  /** The figures, and the prediction's decile shares (training, served over the whole range) for the report's histogram. */
  record Result(List<MonitorFigure> figures, double[] predictionReference, double[] predictionServed) {}

  private final List<Input> inputs;

  DriftCheck(List<Input> inputs) {
    this.inputs = List.copyOf(inputs);
  }

  /**
   * @param reference the training rows, one column per input (wide)
   * @param served one row per logged value: period_start, name, number, text (see {@link ServedValues})
   */
  Result run(Dataset<Row> reference, Dataset<Row> served, String model, long version) {
    Map<String, double[]> edges = percentiles(reference);
    UserDefinedFunction key = udf(binKey(edges), DataTypes.StringType);
    Dataset<Row> referenceLong = ServedValues.stack(reference, inputs);
    Map<String, Map<String, Long>> referenceCounts = new HashMap<>();
    for (Row row : referenceLong.select(col("name"), key.apply(col("name"), col("number"), col("text")).as("key"))
        .groupBy("name", "key").count().collectAsList()) {
      referenceCounts.computeIfAbsent(row.getString(0), n -> new HashMap<>()).put(row.getString(1), row.getLong(2));
    }
    Map<LocalDateTime, Map<String, Map<String, Long>>> servedCounts = new java.util.TreeMap<>();
    for (Row row : served.select(col(LoggedPredictions.PERIOD), col("name"), key.apply(col("name"), col("number"), col("text")).as("key"))
        .groupBy(LoggedPredictions.PERIOD, "name", "key").count().collectAsList()) {
      servedCounts.computeIfAbsent(row.getAs(0), p -> new HashMap<>()).computeIfAbsent(row.getString(1), n -> new HashMap<>())
          .put(row.getString(2), row.getLong(3));
    }

    List<MonitorFigure> figures = new ArrayList<>();
    double[] predictionReference = null;
    long[] predictionServed = null;
    for (Input input : inputs) {
      Map<String, Long> ref = referenceCounts.getOrDefault(input.name(), Map.of());
      Bins bins = input.numeric() ? Bins.numeric(edges.get(input.name())) : Bins.categorical(ref);
      long[] refCoarse = bins.coarse(ref);
      long[] refFine = input.numeric() ? bins.fine(ref) : null;
      if (input.name().equals(ServedValues.PREDICTION)) {
        predictionReference = DriftMetrics.shares(Arrays.copyOf(refCoarse, refCoarse.length - 1), 0);
        predictionServed = new long[refCoarse.length - 1];
      }
      for (Map.Entry<LocalDateTime, Map<String, Map<String, Long>>> period : servedCounts.entrySet()) {
        Map<String, Long> counts = period.getValue().get(input.name());
        if (counts == null) {
          continue;
        }
        long[] coarse = bins.coarse(counts);
        long rows = Arrays.stream(coarse).sum();
        Double threshold = rows >= MIN_ROWS ? input.threshold() : null;
        long nulls = coarse[coarse.length - 1];
        figures.add(figure(model, version, period.getKey(), input.name(), "psi", DriftMetrics.psi(refCoarse, coarse), threshold, rows));
        figures.add(figure(model, version, period.getKey(), input.name(), "js_distance", DriftMetrics.jensenShannon(refCoarse, coarse), null, rows));
        if (input.numeric()) {
          long[] fine = bins.fine(counts);
          figures.add(figure(model, version, period.getKey(), input.name(), "ks", DriftMetrics.kolmogorovSmirnov(refFine, fine), null, rows));
        } else {
          figures.add(figure(model, version, period.getKey(), input.name(), "unseen_share",
              rows == 0 ? 0 : (double) coarse[coarse.length - 2] / rows, null, rows));
        }
        figures.add(figure(model, version, period.getKey(), input.name(), "null_share", rows == 0 ? 0 : (double) nulls / rows, null, rows));
        if (predictionServed != null && input.name().equals(ServedValues.PREDICTION)) {
          for (int i = 0; i < predictionServed.length; i++) {
            predictionServed[i] += coarse[i];
          }
        }
      }
    }
    return new Result(figures, predictionReference, predictionServed == null ? null : DriftMetrics.shares(predictionServed, 0));
  }

  private static MonitorFigure figure(String model, long version, LocalDateTime period, String feature, String metric, double value,
      Double threshold, long rows) {
    return new MonitorFigure(model, version, period, feature, null, metric, value, threshold, rows);
  }

  /** Every training percentile (1 to 99) of each numeric input, duplicates dropped: the fine bins' edges. */
  private Map<String, double[]> percentiles(Dataset<Row> reference) {
    List<String> numeric = inputs.stream().filter(Input::numeric).map(Input::name).toList();
    double[] probabilities = new double[99];
    for (int i = 0; i < 99; i++) {
      probabilities[i] = (i + 1) / 100.0;
    }
    Dataset<Row> typed = reference.select(numeric.stream().map(n -> col("`" + n + "`").cast(DataTypes.DoubleType).as(n))
        .toArray(org.apache.spark.sql.Column[]::new));
    double[][] quantiles = typed.stat().approxQuantile(numeric.toArray(String[]::new), probabilities, 0.0005);
    Map<String, double[]> edges = new LinkedHashMap<>();
    for (int i = 0; i < numeric.size(); i++) {
      edges.put(numeric.get(i), quantiles[i]);
    }
    return edges;
  }

  /** The bin key of a value: the fine bin's index for numbers, the text itself for categories, a marker for missing. */
  private static UDF3<String, Double, String, String> binKey(Map<String, double[]> edges) {
    Map<String, double[]> distinct = new HashMap<>();
    edges.forEach((name, e) -> distinct.put(name, Arrays.stream(e).distinct().sorted().toArray()));
    return (name, number, text) -> {
      double[] e = distinct.get(name);
      if (e != null) {
        return number == null || number.isNaN() ? NULL_KEY : Integer.toString(upperBound(e, number));
      }
      return text == null ? NULL_KEY : text;
    };
  }

  /** How many edges are at or below {@code value}: bin i holds [edge i−1, edge i). */
  static int upperBound(double[] edges, double value) {
    int lo = 0;
    int hi = edges.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (edges[mid] <= value) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  /** Maps bin keys to coarse bins (PSI, JS; the last is "missing") and fine bins (KS; numbers only, missing left out). */
  private record Bins(double[] fineEdges, int[] fineToCoarse, int coarseCount, Map<String, Integer> categories) {
    static Bins numeric(double[] percentiles) {
      double[] fine = percentiles == null ? new double[0] : Arrays.stream(percentiles).distinct().sorted().toArray();
      double[] deciles = percentiles == null || percentiles.length < 99 ? new double[0]
          : Arrays.stream(new int[] {9, 19, 29, 39, 49, 59, 69, 79, 89}).mapToDouble(i -> percentiles[i]).distinct().sorted().toArray();
      int[] toCoarse = new int[fine.length + 1];
      for (int i = 0; i <= fine.length; i++) {
        // Fine bin i holds values with exactly i fine edges at or below them; the deciles among those edges give the coarse bin.
        toCoarse[i] = i == 0 ? 0 : upperBound(deciles, fine[i - 1]);
      }
      return new Bins(fine, toCoarse, deciles.length + 2, null);
    }

    static Bins categorical(Map<String, Long> reference) {
      Map<String, Integer> categories = new HashMap<>();
      List<Map.Entry<String, Long>> sorted = reference.entrySet().stream().filter(e -> !e.getKey().equals(NULL_KEY))
          .sorted(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey())).toList();
      for (int i = 0; i < sorted.size(); i++) {
        categories.put(sorted.get(i).getKey(), Math.min(i, TOP_CATEGORIES));
      }
      int top = Math.min(sorted.size(), TOP_CATEGORIES);
      // top categories, "other", "unseen", missing
      return new Bins(null, null, top + 3, categories);
    }

    long[] coarse(Map<String, Long> counts) {
      long[] bins = new long[coarseCount];
      counts.forEach((key, n) -> bins[coarseIndex(key)] += n);
      return bins;
    }

    private int coarseIndex(String key) {
      if (key.equals(NULL_KEY)) {
        return coarseCount - 1;
      }
      if (categories != null) {
        Integer index = categories.get(key);
        int top = coarseCount - 3;
        return index == null ? top + 1 : Math.min(index, top);
      }
      return fineToCoarse[Integer.parseInt(key)];
    }

    long[] fine(Map<String, Long> counts) {
      long[] bins = new long[fineEdges.length + 1];
      counts.forEach((key, n) -> {
        if (!key.equals(NULL_KEY)) {
          bins[Integer.parseInt(key)] += n;
        }
      });
      return bins;
    }
  }
}
