package io.treeline.jobs.monitor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** The monitoring report's plots as PNG bytes, drawn with XChart as the training report draws its own. */
final class MonitorPlots {
  private static final int WIDTH = 800;
  private static final int HEIGHT = 480;
  /** More lines than this in one chart are unreadable: the inputs that drifted most are drawn. */
  private static final int MAX_SERIES = 8;

  static {
    System.setProperty("java.awt.headless", "true");
  }

  private MonitorPlots() {}

  /** PSI per period of the inputs that drifted most, with the default threshold as a line. */
  static byte[] driftOverTime(List<MonitorFigure> drift, double threshold) {
    Map<String, TreeMap<LocalDateTime, Double>> byFeature = series(drift, "psi", MonitorFigure::feature);
    List<String> top = byFeature.entrySet().stream()
        .sorted(Comparator.comparingDouble((Map.Entry<String, TreeMap<LocalDateTime, Double>> e) ->
            e.getValue().values().stream().mapToDouble(Double::doubleValue).max().orElse(0)).reversed())
        .limit(MAX_SERIES).map(Map.Entry::getKey).toList();
    XYChart chart = xy("Drift per period: population stability index (top " + top.size() + " inputs)", "period", "PSI");
    for (String feature : top) {
      add(chart, feature, byFeature.get(feature));
    }
    thresholdLine(chart, byFeature.values(), threshold, "threshold");
    return png(chart);
  }

  /** The prediction's shares in the training deciles of the training scores, training against served. */
  static byte[] scoreHistogram(double[] reference, double[] served) {
    CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT).title("Prediction: training vs served, by training decile")
        .xAxisTitle("training decile of the prediction").yAxisTitle("share of predictions").build();
    List<String> bins = new ArrayList<>();
    for (int i = 0; i < reference.length; i++) {
      bins.add(Integer.toString(i + 1));
    }
    chart.addSeries("training", bins, toList(reference));
    chart.addSeries("served", bins, toList(served));
    return png(chart);
  }

  /** Live AUC per period with the test AUC as a line. */
  static byte[] liveAuc(List<MonitorFigure> quality) {
    XYChart chart = xy("Live AUC per period, and the test AUC at training", "period", "AUC");
    Map<String, TreeMap<LocalDateTime, Double>> live = series(quality, "auc", f -> "live AUC v" + f.version());
    live.forEach((name, points) -> add(chart, name, points));
    series(quality, "test_auc", f -> "test AUC v" + f.version()).forEach((name, points) -> add(chart, name, points));
    return png(chart);
  }

  /** The largest share of mismatching requests per view over the range. */
  static byte[] skewByView(List<MonitorFigure> skew, double threshold) {
    Map<String, Double> worst = new TreeMap<>();
    skew.stream().filter(f -> f.metric().equals("mismatch_share") && SkewCheck.ALL_FEATURES.equals(f.feature()))
        .forEach(f -> worst.merge(f.view(), f.value(), Math::max));
    CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT)
        .title("Training/serving skew: worst share of requests differing, per view (threshold " + threshold + ")")
        .xAxisTitle("feature view").yAxisTitle("share of requests").build();
    chart.getStyler().setLegendVisible(false);
    chart.getStyler().setXAxisLabelRotation(30);
    if (worst.isEmpty()) {
      worst.put("(no looked-up features)", 0.0);
    }
    chart.addSeries("mismatch share", new ArrayList<>(worst.keySet()), new ArrayList<>(worst.values()));
    return png(chart);
  }

  private static Map<String, TreeMap<LocalDateTime, Double>> series(List<MonitorFigure> figures, String metric,
      java.util.function.Function<MonitorFigure, String> name) {
    Map<String, TreeMap<LocalDateTime, Double>> series = new LinkedHashMap<>();
    figures.stream().filter(f -> f.metric().equals(metric) && !Double.isNaN(f.value()))
        .forEach(f -> series.computeIfAbsent(name.apply(f), n -> new TreeMap<>()).put(f.periodStart(), f.value()));
    return series;
  }

  private static void add(XYChart chart, String name, TreeMap<LocalDateTime, Double> points) {
    List<Date> x = points.keySet().stream().map(MonitorPlots::date).collect(Collectors.toList());
    List<Double> y = new ArrayList<>(points.values());
    chart.addSeries(name, x, y).setMarker(points.size() == 1 ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
  }

  private static void thresholdLine(XYChart chart, java.util.Collection<TreeMap<LocalDateTime, Double>> all, double threshold, String name) {
    List<LocalDateTime> periods = all.stream().flatMap(p -> p.keySet().stream()).sorted().toList();
    if (periods.isEmpty()) {
      return;
    }
    TreeMap<LocalDateTime, Double> line = new TreeMap<>();
    line.put(periods.get(0), threshold);
    line.put(periods.get(periods.size() - 1), threshold);
    add(chart, name, line);
  }

  private static Date date(LocalDateTime time) {
    return Date.from(time.toInstant(ZoneOffset.UTC));
  }

  private static List<Double> toList(double[] values) {
    List<Double> list = new ArrayList<>();
    for (double v : values) {
      list.add(v);
    }
    return list;
  }

  private static XYChart xy(String title, String x, String y) {
    XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(x).yAxisTitle(y).build();
    chart.getStyler().setDatePattern("yyyy-MM-dd HH:mm");
    chart.getStyler().setTimezone(java.util.TimeZone.getTimeZone("UTC"));
    chart.getStyler().setXAxisLabelRotation(30);
    return chart;
  }

  private static byte[] png(Chart<?, ?> chart) {
    try {
      return BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
