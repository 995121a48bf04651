package io.treeline.jobs.monitor;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;

import io.treeline.modelpackage.ModelManifest;
import io.treeline.pipelines.evaluate.BinaryScores;
import io.treeline.pipelines.evaluate.RegressionScores;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;

/**
 * Live quality: the logged predictions joined to their labels, scored per period with the same
 * exact metrics training reports (AUC, AUC-PR, log loss, threshold metrics; RMSE, MAE, R² for
 * regressors), beside the version's test metrics. A period's labelled predictions come to the
 * driver — a day of traffic is small — so the figures are exactly training's.
 */
final class LiveQuality {
  /** The test metric a live one is compared with: auc against the manifest's test_auc, and so on. */
  static final String TEST_PREFIX = "test_";
  private static final int CALIBRATION_BINS = 10;
  static final String LABEL_KEY = "__label_key";

  private final ModelManifest manifest;
  private final String model;
  private final long version;
  private final double aucMargin;

  LiveQuality(ModelManifest manifest, String model, long version, double aucMargin) {
    this.manifest = manifest;
    this.model = model;
    this.version = version;
    this.aucMargin = aucMargin;
  }

  List<MonitorFigure> run(Dataset<Row> logged, Dataset<Row> labels, List<String> keys) {
    Dataset<Row> joined = labelled(logged.withColumn("__score", (manifest.classifier() ? col("probability") : col("prediction"))
        .cast(DataTypes.DoubleType)), labels, keys);
    Map<LocalDateTime, List<double[]>> byPeriod = new TreeMap<>();
    for (Row row : joined.select(LoggedPredictions.PERIOD, "__score", LabelSource.LABEL).where("__score is not null").collectAsList()) {
      byPeriod.computeIfAbsent(row.getAs(0), p -> new ArrayList<>()).add(new double[] {row.getDouble(1), row.getDouble(2)});
    }
    List<MonitorFigure> figures = new ArrayList<>();
    byPeriod.forEach((period, pairs) -> figures.addAll(manifest.classifier() ? binary(period, pairs) : regression(period, pairs)));
    return figures;
  }

  /**
   * The logged rows that have a label, with {@value LabelSource#LABEL} (as a double) added: each key
   * read from the logged request JSON and compared as text (a key the request holds as a number reads
   * back as its digits, as the label table's number casts); a key with several labels keeps one.
   * {@value #LABEL_KEY} holds the key's values, which tell the records of one outcome apart.
   */
  static Dataset<Row> labelled(Dataset<Row> logged, Dataset<Row> labels, List<String> keys) {
    List<Column> labelKeys = new ArrayList<>();
    String[] joinKeys = new String[keys.size()];
    Dataset<Row> keyed = logged;
    for (int i = 0; i < keys.size(); i++) {
      joinKeys[i] = "__key" + i;
      keyed = keyed.withColumn(joinKeys[i], expr("get_json_object(request, '$." + keys.get(i).replace("'", "") + "')"));
      labelKeys.add(col("`" + keys.get(i) + "`").cast(DataTypes.StringType).as(joinKeys[i]));
    }
    labelKeys.add(col(LabelSource.LABEL).cast(DataTypes.DoubleType).as(LabelSource.LABEL));
    Dataset<Row> distinctLabels = labels.select(labelKeys.toArray(Column[]::new)).where(col(LabelSource.LABEL).isNotNull())
        .dropDuplicates(joinKeys);
    Column[] keyColumns = java.util.Arrays.stream(joinKeys).map(org.apache.spark.sql.functions::col).toArray(Column[]::new);
    return keyed.join(distinctLabels, scala.jdk.javaapi.CollectionConverters.asScala(List.of(joinKeys)).toSeq())
        .withColumn(LABEL_KEY, org.apache.spark.sql.functions.concat_ws("\u001f", keyColumns)).drop(joinKeys);
  }

  private List<MonitorFigure> binary(LocalDateTime period, List<double[]> pairs) {
    double[] scores = pairs.stream().mapToDouble(p -> p[0]).toArray();
    double[] labels = pairs.stream().mapToDouble(p -> p[1]).toArray();
    BinaryScores binary = new BinaryScores(labels, scores);
    long n = scores.length;
    long positives = binary.positives();
    List<MonitorFigure> figures = new ArrayList<>();
    figures.add(figure(period, "labelled_rows", n, null, n));
    figures.add(figure(period, "positive_rate", (double) positives / n, null, n));
    double meanScore = java.util.Arrays.stream(scores).average().orElse(Double.NaN);
    figures.add(figure(period, "mean_probability", meanScore, null, n));
    figures.add(figure(period, "calibration_error", calibrationError(scores, labels), null, n));
    if (positives == 0 || positives == n) {
      return figures; // AUC and its kin need both outcomes
    }
    Map<String, Double> metrics = binary.metrics(manifest.threshold(), false);
    for (String name : List.of("auc", "auc_pr", "log_loss", "accuracy", "precision", "recall", "f1")) {
      Double test = manifest.metrics().get(TEST_PREFIX + name);
      Double threshold = name.equals("auc") && test != null ? test - aucMargin : null;
      figures.add(figure(period, name, metrics.get(name), threshold, n));
      if (test != null) {
        figures.add(figure(period, TEST_PREFIX + name, test, null, n));
      }
    }
    return figures;
  }

  private List<MonitorFigure> regression(LocalDateTime period, List<double[]> pairs) {
    double[] predicted = pairs.stream().mapToDouble(p -> p[0]).toArray();
    double[] actual = pairs.stream().mapToDouble(p -> p[1]).toArray();
    double mean = java.util.Arrays.stream(actual).average().orElse(0);
    Map<String, Double> metrics = new RegressionScores(actual, predicted).metrics(mean);
    long n = predicted.length;
    List<MonitorFigure> figures = new ArrayList<>();
    figures.add(figure(period, "labelled_rows", n, null, n));
    for (String name : List.of("rmse", "mae", "r2")) {
      figures.add(figure(period, name, metrics.get(name), null, n));
      Double test = manifest.metrics().get(TEST_PREFIX + name);
      if (test != null) {
        figures.add(figure(period, TEST_PREFIX + name, test, null, n));
      }
    }
    return figures;
  }

  /** Expected calibration error: the count-weighted mean gap between predicted and observed rates in ten equal-width bins. */
  static double calibrationError(double[] scores, double[] labels) {
    double[] predicted = new double[CALIBRATION_BINS];
    double[] observed = new double[CALIBRATION_BINS];
    long[] counts = new long[CALIBRATION_BINS];
    for (int i = 0; i < scores.length; i++) {
      int bin = Math.max(0, Math.min(CALIBRATION_BINS - 1, (int) (scores[i] * CALIBRATION_BINS)));
      predicted[bin] += scores[i];
      observed[bin] += labels[i] > 0.5 ? 1 : 0;
      counts[bin]++;
    }
    double error = 0;
    for (int b = 0; b < CALIBRATION_BINS; b++) {
      if (counts[b] > 0) {
        error += Math.abs(predicted[b] - observed[b]) / Math.max(1, scores.length);
      }
    }
    return error;
  }

  private MonitorFigure figure(LocalDateTime period, String metric, double value, Double threshold, long rows) {
    return new MonitorFigure(model, version, period, null, null, metric, value, threshold, rows);
  }
}
