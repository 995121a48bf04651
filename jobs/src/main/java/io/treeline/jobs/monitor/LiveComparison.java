package io.treeline.jobs.monitor;

import static org.apache.spark.sql.functions.col;

import io.treeline.core.error.Errors;
import io.treeline.core.json.JsonObjects;
import io.treeline.jobs.runtime.Job;
import io.treeline.jobs.runtime.JobContext;
import io.treeline.jobs.runtime.JobResult;
import io.treeline.pipelines.evaluate.DeLong;
import io.treeline.registry.ModelRef;
import io.treeline.registry.ModelRegistry;
import io.treeline.registry.ModelVersion;
import io.treeline.registry.Promotion;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Two versions of a classifier compared on live traffic: their predictions in the inference log
 * (routed arms, shadows, or batch scoring) joined to the labels as the monitoring job joins them.
 * Where B scored the same outcomes as A (the same label key: a shadow beside its arm, batch runs over
 * the same rows), the comparison is paired on those and DeLong's test counts the covariance of the
 * two; otherwise (A/B arms) the samples are independent; a key scored several times by one version
 * counts once. With a metric to promote on, A's alias moves to B's version only when B is better and
 * the 95% interval of the difference excludes zero; the decision is explained either way.
 */
public final class LiveComparison implements Job<LiveComparison.Result> {
  public static final List<String> METRICS = List.of("auc", "log_loss");
  private static final double EPSILON = 1e-15;

  private final String model;
  private final String a;
  private final String b;
  private final MonitorRange range;
  private final LabelSource labels;
  private final String promoteMetric;

  /**
   * @param a the incumbent: an alias (the one a promotion moves) or a version number
   * @param b the challenger: an alias or a version number
   * @param promoteMetric auc or log_loss to promote B on, or null to only compare
   */
  public LiveComparison(String model, String a, String b, MonitorRange range, LabelSource labels, String promoteMetric) {
    this.model = ModelRef.name(model, model);
    this.a = a;
    this.b = b;
    this.range = range;
    this.labels = labels;
    if (promoteMetric != null && !METRICS.contains(promoteMetric)) {
      throw Errors.invalidInput("compare", "--promote-if-better " + promoteMetric, "it is not a metric the live comparison tests",
          "Use one of " + String.join(", ", METRICS) + ".");
    }
    if (promoteMetric != null && a.matches("[0-9]+")) {
      throw Errors.invalidInput("compare", "--promote-if-better", "A is version " + a + ", not an alias: there is nothing to move",
          "Name A by the alias to move, e.g. compare --live " + model + " champion challenger --promote-if-better auc.");
    }
    if (!labels.given()) {
      throw Errors.invalidInput("compare", "--live", "no labels: the live comparison needs the true outcomes",
          "Pass --labels-sql \"select flight_id, cast(arrival_delay > 15 as double) label from raw.flights\" --label-key flight_id"
              + " (keys found in the logged request under the same names).");
    }
    this.promoteMetric = promoteMetric;
  }

  /** One side's figures on the labelled records it scored. */
  public record Side(String name, long version, long logged, int labelled, double positiveRate, DeLong.Auc auc, double logLoss,
      double calibrationError) {
    Map<String, Object> summary() {
      return JsonObjects.of("name", name, "version", version, "logged", logged, "labelled", labelled, "positive_rate", positiveRate,
          "auc", auc.auc(), "auc_lower", auc.lower(), "auc_upper", auc.upper(), "log_loss", logLoss, "calibration_error", calibrationError);
    }
  }

  /**
   * @param paired records both scored (0 when the comparison is unpaired)
   * @param promoted whether A's alias now names B's version
   */
  public record Result(String model, Side a, Side b, int paired, DeLong.Difference auc, DeLong.Difference logLoss, String decision,
      boolean promoted) implements JobResult {
    @Override
    public String summaryLine() {
      return decision;
    }

    @Override
    public Map<String, Object> summary() {
      return JsonObjects.of("model", model, "a", a.summary(), "b", b.summary(), "paired_records", paired,
          "auc_difference", difference(auc), "log_loss_difference", difference(logLoss), "decision", decision, "promoted", promoted);
    }

    private static Map<String, Object> difference(DeLong.Difference d) {
      return JsonObjects.of("b_minus_a", d.difference(), "lower", d.lower(), "upper", d.upper(), "p_value", d.pValue(),
          "significant", d.significant());
    }
  }

  /** A labelled prediction: the label's key values, whose, the positive class's probability and the label. */
  private record Scored(String key, long version, double probability, double label) {}

  @Override
  public Result run(JobContext context) {
    ModelRegistry registry = context.registry();
    ModelVersion first = registry.resolve(ref(a));
    ModelVersion second = registry.resolve(ref(b));
    if (first.version() == second.version()) {
      throw Errors.invalidInput("compare", a + " and " + b, "both name version " + first.version(),
          "Compare two different versions, e.g. champion and challenger once the challenger alias is set.");
    }
    if (first.manifest() != null && !first.manifest().classifier()) {
      throw Errors.invalidInput("compare", model, "it is a regressor; the live comparison tests classifiers' AUC and log loss",
          "Watch a regressor's live RMSE per version with treeline monitor.");
    }
    context.progress().status("reading the inference log");
    Dataset<Row> log = LoggedPredictions.log(context.spark(), context.layout()).where(col("model_name").equalTo(model)
        .and(col("model_version").isin(first.version(), second.version())).and(col("probability").isNotNull()));
    Dataset<Row> rows = LoggedPredictions.of(log, first.manifest(), range);
    Map<Long, Long> logged = new HashMap<>();
    rows.groupBy("model_version").count().collectAsList().forEach(r -> logged.put(r.getLong(0), r.getLong(1)));
    Dataset<Row> joined = LiveQuality.labelled(rows, labels.read(context.spark()), labels.keys())
        .select(col(LiveQuality.LABEL_KEY), col("model_version"), col("probability"), col(LabelSource.LABEL));
    List<Scored> scored = new ArrayList<>();
    for (Row row : joined.collectAsList()) {
      scored.add(new Scored(row.getString(0), row.getLong(1), row.getDouble(2), row.getDouble(3)));
    }
    Map<String, Scored> byA = new LinkedHashMap<>();
    Map<String, Scored> byB = new LinkedHashMap<>();
    for (Scored s : scored) {
      (s.version() == first.version() ? byA : byB).put(s.key(), s);
    }
    List<String> both = byA.keySet().stream().filter(byB::containsKey).toList();
    // Records of one outcome (one label key) scored by both pair up: a shadow beside its arm, two batch runs over the same
    // rows; the arms of a split mostly see different ones.
    boolean paired = !both.isEmpty() && both.size() * 2 >= Math.min(byA.size(), byB.size());
    List<Scored> sideA = paired ? both.stream().map(byA::get).toList() : List.copyOf(byA.values());
    List<Scored> sideB = paired ? both.stream().map(byB::get).toList() : List.copyOf(byB.values());
    Side resultA = side(a, first.version(), logged.getOrDefault(first.version(), 0L), sideA);
    Side resultB = side(b, second.version(), logged.getOrDefault(second.version(), 0L), sideB);
    DeLong.Difference auc = paired ? DeLong.paired(resultA.auc(), resultB.auc()) : DeLong.unpaired(resultA.auc(), resultB.auc());
    DeLong.Difference logLoss = logLossDifference(sideA, sideB, paired);
    print(context, resultA, resultB, paired ? both.size() : 0, auc, logLoss);

    String decision;
    boolean promoted = false;
    if (promoteMetric == null) {
      decision = describe(auc, "AUC", resultA, resultB) + "; " + describe(logLoss, "log loss", resultA, resultB) + ".";
    } else {
      DeLong.Difference tested = promoteMetric.equals("auc") ? auc : logLoss;
      boolean better = promoteMetric.equals("auc") ? tested.lower() > 0 : tested.upper() < 0;
      String why = describe(tested, promoteMetric.equals("auc") ? "AUC" : "log loss", resultA, resultB);
      if (better) {
        Promotion.Move move = new Promotion(registry).promote(model, second.version(), a);
        promoted = true;
        decision = "Promoted: " + why + "; " + move.describe() + ".";
      } else {
        decision = "Not promoted: " + why + " (" + b + " must be better with the 95% interval of the difference excluding 0).";
      }
    }
    return new Result(model, resultA, resultB, paired ? both.size() : 0, auc, logLoss, decision, promoted);
  }

  private Side side(String name, long version, long logged, List<Scored> records) {
    if (records.isEmpty()) {
      throw Errors.invalidInput("compare", model + " " + name + " (version " + version + ")", "none of its logged predictions"
          + (range.since() != null || range.until() != null ? " from " + range.describe() : "") + " has a label",
          "Serve it (an arm of --route, or --shadow) or score it with --log-inferences, and check that --label-key names fields the logged requests carry.");
    }
    double[] labelsOf = records.stream().mapToDouble(Scored::label).toArray();
    double[] scores = records.stream().mapToDouble(Scored::probability).toArray();
    DeLong.Auc auc;
    try {
      auc = DeLong.auc(labelsOf, scores);
    } catch (IllegalArgumentException e) {
      throw Errors.invalidInput("compare", model + " " + name, e.getMessage(), "Compare over a range whose labels have both outcomes.");
    }
    double positives = java.util.Arrays.stream(labelsOf).filter(l -> l > 0.5).count();
    double loss = 0;
    for (Scored s : records) {
      loss += rowLogLoss(s);
    }
    return new Side(name, version, logged, records.size(), positives / records.size(), auc, loss / records.size(),
        LiveQuality.calibrationError(scores, labelsOf));
  }

  private static double rowLogLoss(Scored s) {
    double p = Math.min(1 - EPSILON, Math.max(EPSILON, s.probability()));
    return -(s.label() > 0.5 ? Math.log(p) : Math.log(1 - p));
  }

  /** B − A of the mean log loss: the mean of per-record differences when paired, else Welch's standard error. */
  private static DeLong.Difference logLossDifference(List<Scored> a, List<Scored> b, boolean paired) {
    if (paired) {
      double[] d = new double[a.size()];
      for (int i = 0; i < d.length; i++) {
        d[i] = rowLogLoss(b.get(i)) - rowLogLoss(a.get(i));
      }
      return new DeLong.Difference(mean(d), Math.sqrt(sampleVariance(d) / d.length));
    }
    double[] x = a.stream().mapToDouble(LiveComparison::rowLogLoss).toArray();
    double[] y = b.stream().mapToDouble(LiveComparison::rowLogLoss).toArray();
    return new DeLong.Difference(mean(y) - mean(x), Math.sqrt(sampleVariance(x) / x.length + sampleVariance(y) / y.length));
  }

  private static double mean(double[] values) {
    return java.util.Arrays.stream(values).average().orElse(Double.NaN);
  }

  private static double sampleVariance(double[] values) {
    if (values.length < 2) {
      return 0;
    }
    double m = mean(values);
    double s = 0;
    for (double v : values) {
      s += (v - m) * (v - m);
    }
    return s / (values.length - 1);
  }

  private String describe(DeLong.Difference d, String metric, Side sideA, Side sideB) {
    boolean higherBetter = metric.equals("AUC");
    String verdict = !d.significant() ? "no significant difference" : (d.difference() > 0) == higherBetter ? b + " is better" : b + " is worse";
    return String.format("%s %s (v%d) %.4f vs %s (v%d) %.4f: %s, B - A %+.4f (95%% CI %+.4f to %+.4f, p %s)", metric, b, sideB.version(),
        higherBetter ? sideB.auc().auc() : sideB.logLoss(), a, sideA.version(), higherBetter ? sideA.auc().auc() : sideA.logLoss(), verdict,
        d.difference(), d.lower(), d.upper(), pValue(d, "= %.3g"));
  }

  private static void print(JobContext context, Side a, Side b, int paired, DeLong.Difference auc, DeLong.Difference logLoss) {
    context.out().printf("%-20s %24s %24s %30s%n", "", "A " + a.name() + " (v" + a.version() + ")", "B " + b.name() + " (v" + b.version() + ")",
        "B - A (95% CI, p)");
    context.out().printf("%-20s %24d %24d%n", "logged predictions", a.logged(), b.logged());
    context.out().printf("%-20s %24d %24d %30s%n", "labelled", a.labelled(), b.labelled(),
        paired > 0 ? "paired on " + paired + " records" : "unpaired (different records)");
    context.out().printf("%-20s %24.4f %24.4f%n", "positive rate", a.positiveRate(), b.positiveRate());
    context.out().printf("%-20s %24s %24s %30s%n", "AUC", interval(a.auc()), interval(b.auc()), difference(auc));
    context.out().printf("%-20s %24.4f %24.4f %30s%n", "log loss", a.logLoss(), b.logLoss(), difference(logLoss));
    context.out().printf("%-20s %24.4f %24.4f%n", "calibration error", a.calibrationError(), b.calibrationError());
  }

  private static String interval(DeLong.Auc auc) {
    return String.format("%.4f [%.4f, %.4f]", auc.auc(), auc.lower(), auc.upper());
  }

  private static String difference(DeLong.Difference d) {
    return String.format("%+.4f [%+.4f, %+.4f] p%s%s", d.difference(), d.lower(), d.upper(), pValue(d, "=%.2g"), d.significant() ? " *" : "");
  }

  /** The p-value, or "< 1e-15" where a double cannot tell it from 0. */
  private static String pValue(DeLong.Difference d, String format) {
    return d.pValue() < 1e-15 ? "< 1e-15" : String.format(format, d.pValue());
  }

  private ModelRef ref(String versionOrAlias) {
    return versionOrAlias.matches("[0-9]+") ? ModelRef.ofVersion(model, Long.parseLong(versionOrAlias)) : ModelRef.ofAlias(model, versionOrAlias);
  }
}
