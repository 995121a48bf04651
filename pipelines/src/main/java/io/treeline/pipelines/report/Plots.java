package io.treeline.pipelines.report;

import io.treeline.pipelines.evaluate.BinaryScores;
import io.treeline.pipelines.evaluate.RegressionScores;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.Histogram;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** The report's plots as PNG bytes, drawn with XChart. */
final class Plots {
  private static final int WIDTH = 640;
  private static final int HEIGHT = 480;

  static {
    System.setProperty("java.awt.headless", "true");
  }

  private Plots() {}

  /** @param uncalibrated the forest's own probabilities; the same object as {@code scores} when there is no calibration */
  static Map<String, byte[]> classifier(BinaryScores scores, BinaryScores uncalibrated, double threshold, Map<String, Double> importances) {
    Map<String, byte[]> plots = new LinkedHashMap<>();
    double[][] roc = thin(scores.roc());
    XYChart rocChart = xy("ROC curve (test)", "false positive rate", "true positive rate");
    rocChart.addSeries("model", roc[0], roc[1]).setMarker(SeriesMarkers.NONE);
    rocChart.addSeries("chance", new double[] {0, 1}, new double[] {0, 1}).setMarker(SeriesMarkers.NONE);
    plots.put("roc.png", png(rocChart));

    double[][] pr = thin(scores.precisionRecall());
    XYChart prChart = xy("Precision-recall curve (test)", "recall", "precision");
    prChart.addSeries("model", pr[0], pr[1]).setMarker(SeriesMarkers.NONE);
    double rate = (double) scores.positives() / Math.max(1, scores.size());
    prChart.addSeries("positive rate", new double[] {0, 1}, new double[] {rate, rate}).setMarker(SeriesMarkers.NONE);
    plots.put("precision_recall.png", png(prChart));

    double[][] calibration = scores.calibration(10);
    XYChart calibrationChart = xy("Calibration (test, 10 bins)", "mean predicted probability", "observed positive rate");
    if (uncalibrated != scores) {
      double[][] before = uncalibrated.calibration(10);
      calibrationChart.addSeries(String.format(java.util.Locale.ROOT, "forest (Brier %.4f)", uncalibrated.metrics(threshold, false).get("brier")),
          before[0], before[1]);
    }
    calibrationChart.addSeries(uncalibrated != scores
        ? String.format(java.util.Locale.ROOT, "calibrated (Brier %.4f)", scores.metrics(threshold, false).get("brier")) : "model",
        calibration[0], calibration[1]);
    calibrationChart.addSeries("perfect", new double[] {0, 1}, new double[] {0, 1}).setMarker(SeriesMarkers.NONE);
    plots.put("calibration.png", png(calibrationChart));

    long[] c = scores.confusion(threshold);
    HeatMapChart confusion = new HeatMapChartBuilder().width(WIDTH).height(HEIGHT)
        .title("Confusion matrix (test, threshold " + threshold + ")").xAxisTitle("predicted").yAxisTitle("actual").build();
    confusion.getStyler().setShowValue(true);
    confusion.addSeries("count", List.of("negative", "positive"), List.of("negative", "positive"),
        List.of(new Number[] {0, 0, c[2]}, new Number[] {1, 0, c[1]}, new Number[] {0, 1, c[3]}, new Number[] {1, 1, c[0]}));
    plots.put("confusion_matrix.png", png(confusion));
    plots.put("feature_importances.png", importances(importances));
    return plots;
  }

  /** The metric per test week, so a reader sees how stable it is. */
  static Map<String, byte[]> weekly(List<io.treeline.pipelines.train.Evaluation.Period> weeks, String metric) {
    List<Double> x = new ArrayList<>();
    List<Double> y = new ArrayList<>();
    for (int i = 0; i < weeks.size(); i++) {
      Double value = weeks.get(i).metrics().get(metric);
      if (value != null && !value.isNaN()) {
        x.add((double) i);
        y.add(value);
      }
    }
    if (x.isEmpty()) {
      return Map.of();
    }
    XYChart chart = xy("Test " + metric + " by week (weeks from " + weeks.get(0).weekStart() + ")", "week", metric);
    chart.addSeries(metric, x, y);
    chart.getStyler().setLegendVisible(false);
    return Map.of(metric + "_by_week.png", png(chart));
  }

  static Map<String, byte[]> regressor(RegressionScores scores, Map<String, Double> importances) {
    Map<String, byte[]> plots = new LinkedHashMap<>();
    int n = scores.actual().length;
    int step = Math.max(1, n / 5000);
    List<Double> actual = new ArrayList<>();
    List<Double> predicted = new ArrayList<>();
    List<Double> residuals = new ArrayList<>();
    double low = Double.MAX_VALUE;
    double high = -Double.MAX_VALUE;
    for (int i = 0; i < n; i++) {
      double residual = scores.actual()[i] - scores.predicted()[i];
      residuals.add(residual);
      if (i % step == 0) {
        actual.add(scores.actual()[i]);
        predicted.add(scores.predicted()[i]);
        low = Math.min(low, Math.min(scores.actual()[i], scores.predicted()[i]));
        high = Math.max(high, Math.max(scores.actual()[i], scores.predicted()[i]));
      }
    }
    XYChart scatter = xy("Predicted against actual (test, " + actual.size() + " points)", "actual", "predicted");
    scatter.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
    scatter.getStyler().setMarkerSize(3);
    scatter.addSeries("flights", actual, predicted);
    if (!actual.isEmpty()) {
      scatter.addSeries("identity", List.of(low, high), List.of(low, high)).setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line)
          .setMarker(SeriesMarkers.NONE);
    }
    plots.put("predicted_vs_actual.png", png(scatter));

    CategoryChart histogram = new CategoryChartBuilder().width(WIDTH).height(HEIGHT).title("Residuals (test)")
        .xAxisTitle("actual − predicted").yAxisTitle("rows").build();
    histogram.getStyler().setLegendVisible(false);
    histogram.getStyler().setXAxisDecimalPattern("#");
    histogram.getStyler().setXAxisLabelRotation(45);
    double lowResidual = residuals.stream().mapToDouble(Double::doubleValue).sorted().skip((long) (n * 0.01)).findFirst().orElse(-1);
    double highResidual = residuals.stream().mapToDouble(Double::doubleValue).sorted().skip((long) (n * 0.99)).findFirst().orElse(1);
    Histogram bins = new Histogram(residuals, 30, lowResidual, Math.max(highResidual, lowResidual + 1));
    histogram.addSeries("residuals", bins.getxAxisData(), bins.getyAxisData());
    plots.put("residuals.png", png(histogram));
    plots.put("feature_importances.png", importances(importances));
    return plots;
  }

  private static byte[] importances(Map<String, Double> importances) {
    List<Map.Entry<String, Double>> top = importances.entrySet().stream()
        .sorted(Map.Entry.<String, Double>comparingByValue().reversed()).limit(20).toList();
    CategoryChart chart = new CategoryChartBuilder().width(WIDTH + 200).height(HEIGHT + 120)
        .title("Feature importances (top " + top.size() + ")").yAxisTitle("importance").build();
    chart.getStyler().setLegendVisible(false);
    chart.getStyler().setXAxisLabelRotation(60);
    chart.addSeries("importance", top.stream().map(Map.Entry::getKey).toList(), top.stream().map(Map.Entry::getValue).toList());
    return png(chart);
  }

  private static XYChart xy(String title, String x, String y) {
    XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(x).yAxisTitle(y).build();
    chart.getStyler().setMarkerSize(5);
    return chart;
  }

  /** Keeps at most about 2,000 points of a curve: enough to draw it, small enough to render fast. */
  private static double[][] thin(double[][] curve) {
    int n = curve[0].length;
    int step = Math.max(1, n / 2000);
    List<double[]> kept = new ArrayList<>();
    for (int i = 0; i < n; i += step) {
      kept.add(new double[] {curve[0][i], curve[1][i]});
    }
    kept.add(new double[] {curve[0][n - 1], curve[1][n - 1]});
    return new double[][] {kept.stream().mapToDouble(p -> p[0]).toArray(), kept.stream().mapToDouble(p -> p[1]).toArray()};
  }

  private static byte[] png(Chart<?, ?> chart) {
    try {
      return BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
