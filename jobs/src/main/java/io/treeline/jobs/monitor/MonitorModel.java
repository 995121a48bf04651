package io.treeline.jobs.monitor;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;

import io.treeline.core.config.ConfigKeys;
import io.treeline.core.config.TreelineConfig;
import io.treeline.core.error.Errors;
import io.treeline.featurestore.spec.FeatureRepository;
import io.treeline.jobs.features.FeatureViews;
import io.treeline.jobs.runtime.Job;
import io.treeline.jobs.runtime.JobContext;
import io.treeline.jobs.runtime.JobResult;
import io.treeline.jobs.score.ScoringModel;
import io.treeline.modelpackage.ModelManifest;
import io.treeline.registry.ModelRef;
import io.treeline.registry.ModelVersion;
import java.sql.Timestamp;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;

/**
 * Monitors a served model from its inference log: drift of every input and of the prediction
 * against the training set of the version that served, training/serving skew of the looked-up
 * features, and live quality once labels are known. Writes the figures into monitoring.drift,
 * monitoring.skew and monitoring.quality (replacing the range), a markdown report with plots in
 * the lake, and ends with exit 1 when a figure breaches its threshold, so a scheduler can act.
 */
public final class MonitorModel implements Job<MonitorModel.Result> {
  private final String model;
  private final Long version;
  private final MonitorRange range;
  private final LabelSource labels;
  private final long skewSample;

  /**
   * @param version the version to monitor; null monitors every version the log holds for the model
   * @param skewSample recompute the features of at most this many requests per version; 0 recomputes all
   */
  public MonitorModel(String model, Long version, MonitorRange range, LabelSource labels, long skewSample) {
    ModelRef.name(model, model);
    if (skewSample < 0) {
      throw Errors.invalidInput("monitor", "--skew-sample", "it is negative", "Pass a number of requests, or 0 to check them all.");
    }
    this.model = model;
    this.version = version;
    this.range = range;
    this.labels = labels == null ? new LabelSource(null, null, List.of()) : labels;
    this.skewSample = skewSample;
  }

  /** A figure over its threshold, as the summary lists it. */
  public record Breach(String table, long version, LocalDateTime period, String feature, String view, String metric, double value,
      double threshold) {
    Map<String, Object> toMap() {
      Map<String, Object> map = new LinkedHashMap<>();
      map.put("table", table);
      map.put("version", version);
      map.put("period_start", period.toString());
      map.put("feature", feature);
      map.put("view", view);
      map.put("metric", metric);
      map.put("value", value);
      map.put("threshold", threshold);
      return map;
    }

    String describe() {
      return String.format("%s%s %s = %.4g (threshold %.4g) on %s", feature == null ? "" : feature,
          view == null ? "" : " [" + view + "]", metric, value, threshold, period).trim();
    }
  }

  public record Result(String model, List<Long> versions, MonitorRange range, long predictions, Map<String, Integer> figures,
      Map<String, Long> deltaVersions, List<Breach> breaches, Map<Long, Map<String, Object>> thresholds, String report, Map<String, Double> phaseSeconds, double elapsedSeconds,
      List<String> warnings) implements JobResult {
    @Override
    public String summaryLine() {
      // Per table, so a skew breach is not hidden behind a screenful of drift; the summary JSON lists them all.
      Map<String, List<Breach>> byTable = new LinkedHashMap<>();
      breaches.forEach(b -> byTable.computeIfAbsent(b.table(), t -> new ArrayList<>()).add(b));
      String outcome = breaches.isEmpty() ? "no threshold breached"
          : breaches.size() + " breached — " + String.join("; ", byTable.entrySet().stream().map(e -> e.getKey() + ": " + e.getValue().size()
              + " (" + e.getValue().get(0).describe() + (e.getValue().size() > 1 ? ", …" : "") + ")").toList());
      return String.format("Monitored %s version%s %s from %s to %s: %,d predictions, %s; report %s, in %.1f s", model,
          versions.size() == 1 ? "" : "s", versions.stream().map(String::valueOf).reduce((a, b) -> a + ", " + b).orElse(""), range.since(),
          range.until(), predictions, outcome, report, elapsedSeconds);
    }

    @Override
    public Map<String, Object> summary() {
      Map<String, Object> summary = new LinkedHashMap<>();
      summary.put("model", model);
      summary.put("versions", versions);
      summary.put("since", range.since().toString());
      summary.put("until", range.until().toString());
      summary.put("granularity", range.granularity().sparkUnit());
      summary.put("predictions", predictions);
      List<Map<String, Object>> tables = new ArrayList<>();
      figures.forEach((table, n) -> {
        Map<String, Object> written = new LinkedHashMap<>();
        written.put("table", table);
        written.put("rows", n);
        if (deltaVersions.getOrDefault(table, -1L) >= 0) {
          written.put("delta_version", deltaVersions.get(table));
        }
        tables.add(written);
      });
      summary.put("tables", tables);
      summary.put("breached", !breaches.isEmpty());
      summary.put("breaches", breaches.stream().map(Breach::toMap).toList());
      Map<String, Object> byVersion = new LinkedHashMap<>();
      thresholds.forEach((v, t) -> byVersion.put(String.valueOf(v), t));
      summary.put("thresholds", byVersion);
      summary.put("report", report);
      summary.put("phase_seconds", phaseSeconds);
      summary.put("elapsed_seconds", elapsedSeconds);
      return summary;
    }

    @Override
    public int exitCode() {
      return breaches.isEmpty() ? 0 : 1;
    }
  }

  /** What one version's checks found. */
  record VersionFigures(long version, ModelManifest manifest, List<MonitorFigure> drift, List<MonitorFigure> skew,
      List<MonitorFigure> quality, DriftCheck.Result driftResult) {}

  @Override
  public Result run(JobContext context) {
    context.requireWritableLake();
    long start = System.nanoTime();
    Map<String, Double> phases = new LinkedHashMap<>();
    SparkSession spark = context.spark();
    TreelineConfig config = context.config();
    // The registry names an unknown model and suggests a close one (exit 2).
    context.registry().resolve(version == null ? ModelRef.parse(model) : ModelRef.ofVersion(model, version));
    Dataset<Row> log = LoggedPredictions.log(spark, context.layout()).where(col("model_name").equalTo(model));
    if (version != null) {
      log = log.where(col("model_version").equalTo(version));
    }
    List<Long> versions = log.select("model_version").distinct().collectAsList().stream().map(r -> r.getLong(0)).sorted().toList();
    if (versions.isEmpty()) {
      throw Errors.invalidInput("monitor", model + (version != null ? "/" + version : ""), "the inference log holds no predictions of it",
          "Log some first: `treeline score --model " + model + " … --log-inferences`, or serve it with the inference log on.");
    }
    context.progress().status("loading " + model);
    Map<Long, ScoringModel> models = new LinkedHashMap<>();
    Map<Long, Dataset<Row>> logged = new LinkedHashMap<>();
    List<Dataset<Row>> cached = new ArrayList<>();
    LocalDateTime first = null;
    LocalDateTime last = null;
    long predictions = 0;
    for (long v : versions) {
      ModelVersion registered = context.registry().resolve(ModelRef.ofVersion(model, v));
      ScoringModel scoring = ScoringModel.load(spark, context.registry(), context.layout(), registered);
      Dataset<Row> rows = LoggedPredictions.of(log.where(col("model_version").equalTo(v)), scoring.manifest(), range)
          .persist(StorageLevel.MEMORY_AND_DISK());
      Row bounds = rows.agg(min(LoggedPredictions.MOMENT), max(LoggedPredictions.MOMENT), org.apache.spark.sql.functions.count("*")).first();
      if (bounds.getLong(2) == 0) {
        rows.unpersist();
        continue;
      }
      models.put(v, scoring);
      logged.put(v, rows);
      cached.add(rows);
      predictions += bounds.getLong(2);
      first = first == null || bounds.<LocalDateTime>getAs(0).isBefore(first) ? bounds.getAs(0) : first;
      last = last == null || bounds.<LocalDateTime>getAs(1).isAfter(last) ? bounds.getAs(1) : last;
    }
    if (logged.isEmpty()) {
      throw Errors.invalidInput("monitor", model, "the inference log holds no predictions of it from " + range.describe(),
          "Pass a --since/--until range that has predictions (`treeline sql \"select date, count(*) from monitoring.inference_log"
              + " where model_name = '" + model + "' group by date order by date\"` lists them), or log some first.");
    }
    MonitorRange closed = range.closedBy(first, last);
    logged.replaceAll((v, rows) -> LoggedPredictions.withPeriod(rows, closed));
    long phase = lap(phases, "read_log", start);

    FeatureRepository repository = FeatureViews.load(config);
    Map<Long, Map<String, Object>> thresholds = new LinkedHashMap<>();
    Dataset<Row> labelRows = labels.given() ? labels.read(spark) : null;
    List<VersionFigures> found = new ArrayList<>();
    double driftSeconds = 0;
    double skewSeconds = 0;
    double qualitySeconds = 0;
    for (Map.Entry<Long, ScoringModel> entry : models.entrySet()) {
      long v = entry.getKey();
      ScoringModel scoring = entry.getValue();
      Dataset<Row> rows = logged.get(v);
      MonitorThresholds.Resolved limits = MonitorThresholds.resolve(config, scoring.manifest().monitoring());
      thresholds.put(v, limits.toMap());
      long t = System.nanoTime();
      context.progress().status("drift of " + scoring.version());
      DriftCheck drift = new DriftCheck(MonitorThresholds.driftInputs(scoring, limits.psi(), limits.featureThresholds()));
      Dataset<Row> reference = TrainingReference.load(spark, context.layout(), scoring, config.getInt(ConfigKeys.MONITORING_DRIFT_REFERENCE_ROWS))
          .persist(StorageLevel.MEMORY_AND_DISK());
      DriftCheck.Result driftResult = drift.run(reference, ServedValues.fromLog(rows, scoring.compiled().classifier()), model, v);
      reference.unpersist();
      driftSeconds += (System.nanoTime() - t) / 1e9;

      t = System.nanoTime();
      context.progress().status("training/serving skew of " + scoring.version());
      List<MonitorFigure> skew = new SkewCheck(context, scoring, repository, limits.skew()).run(sampled(rows));
      skewSeconds += (System.nanoTime() - t) / 1e9;

      t = System.nanoTime();
      List<MonitorFigure> quality = List.of();
      if (labelRows != null) {
        context.progress().status("live quality of " + scoring.version());
        quality = new LiveQuality(scoring.manifest(), model, v, limits.aucMargin()).run(rows, labelRows, labels.keys());
      }
      qualitySeconds += (System.nanoTime() - t) / 1e9;
      found.add(new VersionFigures(v, scoring.manifest(), driftResult.figures(), skew, quality, driftResult));
    }
    cached.forEach(Dataset::unpersist);
    phases.put("drift", driftSeconds);
    phases.put("skew", skewSeconds);
    phases.put("quality", qualitySeconds);
    phase = System.nanoTime();

    context.progress().status("writing the monitoring tables");
    MonitorTables tables = new MonitorTables(spark, context.layout());
    Timestamp computedAt = MonitorTables.now();
    Map<String, Integer> counts = new LinkedHashMap<>();
    Map<String, Long> deltaVersions = new LinkedHashMap<>();
    List<MonitorFigure> drift = found.stream().flatMap(f -> f.drift().stream()).toList();
    List<MonitorFigure> skew = found.stream().flatMap(f -> f.skew().stream()).toList();
    List<MonitorFigure> quality = found.stream().flatMap(f -> f.quality().stream()).toList();
    write(tables, MonitorTables.DRIFT, drift, closed, computedAt, counts, deltaVersions);
    write(tables, MonitorTables.SKEW, skew, closed, computedAt, counts, deltaVersions);
    if (labelRows != null) {
      write(tables, MonitorTables.QUALITY, quality, closed, computedAt, counts, deltaVersions);
    }
    List<Breach> breaches = new ArrayList<>();
    breaches(MonitorTables.DRIFT, drift, breaches);
    breaches(MonitorTables.SKEW, skew, breaches);
    breaches(MonitorTables.QUALITY, quality, breaches);
    phase = lap(phases, "write_tables", phase);

    context.progress().status("writing the report");
    String report = new MonitorReport(context.layout(), context.hadoopConf()).write(model, closed, found, breaches);
    lap(phases, "report", phase);
    List<String> warnings = new ArrayList<>();
    ModelMonitorPush.push(config, model, found, warnings::add);
    return new Result(model, List.copyOf(models.keySet()), closed, predictions, counts, deltaVersions, breaches, thresholds, report,
        phases, (System.nanoTime() - start) / 1e9, warnings);
  }

  private void write(MonitorTables tables, io.treeline.core.lake.TableName table, List<MonitorFigure> figures, MonitorRange closed,
      Timestamp computedAt, Map<String, Integer> counts, Map<String, Long> deltaVersions) {
    deltaVersions.put(table.toString(), tables.replace(table, figures, model, version, closed, computedAt));
    counts.put(table.toString(), figures.size());
  }

  private static void breaches(io.treeline.core.lake.TableName table, List<MonitorFigure> figures, List<Breach> breaches) {
    figures.stream().filter(MonitorFigure::breached).forEach(f -> breaches.add(new Breach(table.toString(), f.version(), f.periodStart(),
        f.feature(), f.view(), f.metric(), f.value(), f.threshold())));
  }

  private Dataset<Row> sampled(Dataset<Row> rows) {
    if (skewSample == 0) {
      return rows;
    }
    long count = rows.count();
    return count <= skewSample ? rows : rows.sample(false, Math.min(1.0, skewSample * 1.05 / count), 42).limit((int) Math.min(Integer.MAX_VALUE, skewSample));
  }

  private static long lap(Map<String, Double> phases, String name, long since) {
    long now = System.nanoTime();
    phases.put(name, (now - since) / 1e9);
    return now;
  }
}
