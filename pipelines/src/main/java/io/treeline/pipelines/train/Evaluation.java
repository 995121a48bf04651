package io.treeline.pipelines.train;

import static org.apache.spark.ml.functions.vector_to_array;
import static org.apache.spark.sql.functions.col;

import io.treeline.modelpackage.Calibration;
import io.treeline.modelpackage.Decision;
import io.treeline.pipelines.evaluate.BinaryScores;
import io.treeline.pipelines.evaluate.CalibrationFit;
import io.treeline.pipelines.evaluate.RegressionScores;
import io.treeline.pipelines.evaluate.ThresholdChoice;
import io.treeline.pipelines.spec.PipelineSpec;
import java.time.DayOfWeek;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.temporal.TemporalAdjusters;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.attribute.Attribute;
import org.apache.spark.ml.attribute.AttributeGroup;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * A model's metrics on the validation and test splits ({@code validation_auc}, {@code test_rmse},
 * …), the test split's scores for the plots, the test metrics per week, and the forest's feature
 * importances by input name.
 *
 * <p>For a classifier it also makes the model's {@link Decision} on the validation split: the
 * calibration the spec asks for is fitted there, then the threshold is chosen there (on the
 * calibrated probabilities) or taken as written. Every metric is of the calibrated probabilities at
 * that threshold, as serving and batch scoring will answer; the test split is never looked at to
 * decide.
 */
public record Evaluation(
    Map<String, Double> metrics,
    BinaryScores testBinary,
    BinaryScores testUncalibrated,
    RegressionScores testRegression,
    Map<String, Double> importances,
    Decision decision,
    String thresholdSource,
    List<Period> testByWeek) {

  /** The test metrics of the rows whose event time falls in one week (Monday to Sunday). */
  public record Period(LocalDate weekStart, long rows, Map<String, Double> metrics) {}

  /** Labels, the model's scores and the event times of one split's rows, in one order. */
  private record Collected(double[] labels, double[] values, LocalDateTime[] times) {}

  static Evaluation of(PipelineSpec spec, PipelineModel model, Splits splits) {
    Map<String, Double> metrics = new LinkedHashMap<>();
    double trainMean = splits.train().agg(org.apache.spark.sql.functions.avg(PipelineBuilder.LABEL)).first().getDouble(0);
    String time = spec.spine().eventTime();
    Map<String, Double> importances = importances(model, splits.train());
    if (!spec.model().type().classifier()) {
      Collected validation = collect(model.transform(splits.validation()), "prediction", time);
      Collected test = collect(model.transform(splits.test()), "prediction", time);
      new RegressionScores(validation.labels(), validation.values()).metrics(trainMean).forEach((k, v) -> metrics.put("validation_" + k, v));
      RegressionScores testScores = new RegressionScores(test.labels(), test.values());
      testScores.metrics(trainMean).forEach((k, v) -> metrics.put("test_" + k, v));
      List<Period> weeks = byWeek(test, (labels, values) -> {
        Map<String, Double> all = new RegressionScores(labels, values).metrics(trainMean);
        return pick(all, "rmse", "mae");
      });
      return new Evaluation(metrics, null, null, testScores, importances, null, null, weeks);
    }

    Collected validation = collect(model.transform(splits.validation()), null, time);
    Collected test = collect(model.transform(splits.test()), null, time);
    Calibration calibration = switch (spec.calibration()) {
      case NONE -> Calibration.NONE;
      case ISOTONIC -> CalibrationFit.isotonic(validation.labels(), validation.values());
      case PLATT -> CalibrationFit.platt(validation.labels(), validation.values());
    };
    double[] validationScores = calibrated(calibration, validation.values());
    double[] testScores = calibrated(calibration, test.values());
    PipelineSpec.ThresholdSpec rule = spec.threshold();
    double threshold;
    String source;
    if (rule.chosen()) {
      ThresholdChoice.Objective objective = ThresholdChoice.Objective.valueOf(rule.optimize().toUpperCase(Locale.ROOT));
      ThresholdChoice.Choice choice = ThresholdChoice.choose(validation.labels(), validationScores, objective, rule.falsePositiveCost(),
          rule.falseNegativeCost());
      threshold = choice.threshold();
      source = String.format("chosen on the validation split to %s (%s %.4f there)", objective == ThresholdChoice.Objective.COST
          ? "minimise the cost of errors (false positive " + rule.falsePositiveCost() + ", false negative " + rule.falseNegativeCost() + ")"
          : "maximise " + (objective == ThresholdChoice.Objective.F1 ? "F1" : "Youden's J"),
          objective == ThresholdChoice.Objective.COST ? "mean cost per row" : rule.optimize(), choice.value());
    } else {
      threshold = rule.fixed();
      source = "as written in the pipeline";
    }
    Decision decision = new Decision(threshold, calibration);
    boolean majorityPositive = trainMean >= 0.5;
    boolean calibrated = !(calibration instanceof Calibration.None);
    BinaryScores testBinary = new BinaryScores(test.labels(), testScores);
    BinaryScores testRaw = calibrated ? new BinaryScores(test.labels(), test.values()) : testBinary;
    new BinaryScores(validation.labels(), validationScores).metrics(threshold, majorityPositive).forEach((k, v) -> metrics.put("validation_" + k, v));
    testBinary.metrics(threshold, majorityPositive).forEach((k, v) -> metrics.put("test_" + k, v));
    if (calibrated) {
      Map<String, Double> before = new BinaryScores(validation.labels(), validation.values()).metrics(threshold, majorityPositive);
      metrics.put("validation_uncalibrated_log_loss", before.get("log_loss"));
      metrics.put("validation_uncalibrated_brier", before.get("brier"));
      before = testRaw.metrics(threshold, majorityPositive);
      metrics.put("test_uncalibrated_log_loss", before.get("log_loss"));
      metrics.put("test_uncalibrated_brier", before.get("brier"));
    }
    List<Period> weeks = byWeek(new Collected(test.labels(), testScores, test.times()), (labels, values) -> {
      BinaryScores week = new BinaryScores(labels, values);
      Map<String, Double> picked = pick(week.metrics(threshold, majorityPositive), "auc", "auc_pr", "log_loss", "brier");
      long positives = week.positives();
      if (positives == 0 || positives == labels.length) {
        picked.put("auc", Double.NaN); // one class only: no ranking to measure
        picked.put("auc_pr", Double.NaN);
      }
      picked.put("positive_rate", (double) positives / labels.length);
      return picked;
    });
    return new Evaluation(metrics, testBinary, testRaw, null, importances, decision, source, weeks);
  }

  private static double[] calibrated(Calibration calibration, double[] probabilities) {
    double[] out = new double[probabilities.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = calibration.apply(probabilities[i]);
    }
    return out;
  }

  private static Map<String, Double> pick(Map<String, Double> all, String... names) {
    Map<String, Double> picked = new LinkedHashMap<>();
    for (String name : names) {
      picked.put(name, all.get(name));
    }
    return picked;
  }

  /** @param value the column to score: the positive class's probability when null */
  private static Collected collect(Dataset<Row> predicted, String value, String eventTime) {
    List<Row> rows = predicted.select(col(PipelineBuilder.LABEL),
        value == null ? vector_to_array(col("probability"), "float64").getItem(1) : col(value), col(eventTime).cast("timestamp"))
        .collectAsList();
    double[] labels = new double[rows.size()];
    double[] values = new double[rows.size()];
    LocalDateTime[] times = new LocalDateTime[rows.size()];
    for (int i = 0; i < rows.size(); i++) {
      labels[i] = rows.get(i).getDouble(0);
      values[i] = rows.get(i).getDouble(1);
      times[i] = rows.get(i).isNullAt(2) ? null : rows.get(i).getTimestamp(2).toLocalDateTime();
    }
    return new Collected(labels, values, times);
  }

  private static List<Period> byWeek(Collected rows, java.util.function.BiFunction<double[], double[], Map<String, Double>> measure) {
    TreeMap<LocalDate, List<Integer>> weeks = new TreeMap<>();
    for (int i = 0; i < rows.times().length; i++) {
      if (rows.times()[i] != null) {
        LocalDate monday = rows.times()[i].toLocalDate().with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY));
        weeks.computeIfAbsent(monday, w -> new ArrayList<>()).add(i);
      }
    }
    List<Period> periods = new ArrayList<>();
    weeks.forEach((monday, indices) -> {
      double[] labels = new double[indices.size()];
      double[] values = new double[indices.size()];
      for (int k = 0; k < labels.length; k++) {
        labels[k] = rows.labels()[indices.get(k)];
        values[k] = rows.values()[indices.get(k)];
      }
      periods.add(new Period(monday, labels.length, measure.apply(labels, values)));
    });
    return periods;
  }

  /** The forest's importances, named by the assembled inputs (one-hot slots named column=value). */
  private static Map<String, Double> importances(PipelineModel model, Dataset<Row> train) {
    var forest = model.stages()[model.stages().length - 1];
    Vector importances = forest instanceof org.apache.spark.ml.classification.RandomForestClassificationModel c
        ? c.featureImportances()
        : ((org.apache.spark.ml.regression.RandomForestRegressionModel) forest).featureImportances();
    Dataset<Row> assembled = model.transform(train.limit(1));
    AttributeGroup group = AttributeGroup.fromStructField(assembled.schema().apply(PipelineBuilder.FEATURES));
    Map<String, Double> named = new LinkedHashMap<>();
    Attribute[] attributes = group.attributes().isDefined() ? group.attributes().get() : new Attribute[0];
    for (int i = 0; i < importances.size(); i++) {
      String name = i < attributes.length && attributes[i].name().isDefined() ? attributes[i].name().get() : "feature " + i;
      named.put(name.replace("__imputed", "").replace("__index", ""), importances.apply(i));
    }
    return named;
  }
}
