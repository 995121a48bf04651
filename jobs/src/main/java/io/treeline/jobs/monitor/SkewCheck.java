package io.treeline.jobs.monitor;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.from_json;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.struct;

import io.treeline.featurestore.spec.FeatureRepository;
import io.treeline.featurestore.spec.FeatureView;
import io.treeline.jobs.runtime.JobContext;
import io.treeline.jobs.score.ScoreBatch;
import io.treeline.jobs.score.ScoringInput;
import io.treeline.jobs.score.ScoringModel;
import io.treeline.modelpackage.ModelManifest;
import io.treeline.modelpackage.ModelManifest.FeatureViewDependency;
import io.treeline.serving.compile.CompiledPipeline;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;

/**
 * Training/serving skew: the looked-up features of each logged request recomputed from the offline
 * tables with the training set's point-in-time join as of the request's moment — the very join
 * {@code treeline score} runs — and compared with the values the prediction used. Per feature and
 * per view and period: the share of requests whose value differs (beyond 1e-9 relative; a value on
 * one side only differs), the mean absolute difference where both have a number, and the share of
 * logged values whose feature time was older than the view's ttl at the moment of the request.
 */
final class SkewCheck {
  static final double RELATIVE_TOLERANCE = 1e-9;
  /** Per-view rows carry this in place of a feature name. */
  static final String ALL_FEATURES = "*";
  private static final String ID = "__monitor_request_id";
  private static final String PERIOD = "__monitor_period";

  private final JobContext context;
  private final ScoringModel model;
  private final FeatureRepository repository;
  private final double threshold;

  SkewCheck(JobContext context, ScoringModel model, FeatureRepository repository, double threshold) {
    this.context = context;
    this.model = model;
    this.repository = repository;
    this.threshold = threshold;
  }

  /** The figures, or none when the model looks nothing up. {@code logged} carries the moment and period of each prediction. */
  List<MonitorFigure> run(Dataset<Row> logged) {
    ModelManifest manifest = model.manifest();
    Map<String, String> viewOf = new LinkedHashMap<>();
    for (FeatureViewDependency dependency : manifest.featureViews()) {
      dependency.columns().forEach(column -> viewOf.put(column.column(), dependency.view()));
    }
    if (viewOf.isEmpty()) {
      return List.of();
    }
    SparkSession spark = logged.sparkSession();
    // A request of several records logs one row per record under one request_id: the record's index tells them apart.
    Dataset<Row> base = logged.select(org.apache.spark.sql.functions.concat_ws("#", col("request_id"), col("record_index").cast(DataTypes.StringType)).as(ID), col(LoggedPredictions.PERIOD).as(PERIOD), col(LoggedPredictions.MOMENT),
        col("request"), col("features")).persist(StorageLevel.MEMORY_AND_DISK());
    try {
      Dataset<Row> recomputed = recompute(spark, base, manifest, viewOf.keySet());
      Dataset<Row> served = base.select(col(ID), col(PERIOD), col(LoggedPredictions.MOMENT), explode(col("features")).as("f"))
          .where("f.source in ('online_store', 'missing') and f.view is not null")
          .select(col(ID), col(PERIOD), col(LoggedPredictions.MOMENT), col("f.name").as("name"), col("f.view").as("view"),
              col("f.number").as("l_number"), col("f.text").as("l_text"), col("f.feature_time").as("feature_time"));
      Dataset<Row> compared = served.join(recomputed, new String[] {ID, "name"}).select(col(ID), col(PERIOD), col("view"), col("name"),
          expr("(CASE WHEN l_number IS NULL AND r_number IS NULL THEN false WHEN l_number IS NULL OR r_number IS NULL THEN true"
              + " ELSE abs(l_number - r_number) > " + RELATIVE_TOLERANCE + " * greatest(abs(l_number), abs(r_number)) END)"
              + " OR NOT (l_text <=> r_text)").as("differs"),
          expr("abs(l_number - r_number)").as("abs_diff"), stale(manifest).as("stale"))
          .persist(StorageLevel.MEMORY_AND_DISK());
      try {
        List<MonitorFigure> figures = new ArrayList<>();
        Column[] aggregates = {expr("count(*)"), expr("sum(cast(differs as int))"), expr("avg(abs_diff)"), expr("sum(cast(stale as int))"),
            expr("count(stale)")};
        for (Row row : compared.groupBy(col(PERIOD), col("view"), col("name")).agg(aggregates[0], java.util.Arrays.copyOfRange(aggregates, 1, 5))
            .collectAsList()) {
          figures.addAll(figures(row, row.getString(2)));
        }
        // A request counts once per view: it differs when any of the view's features does.
        Dataset<Row> perRequest = compared.groupBy(PERIOD, "view", ID).agg(expr("max(differs) differs"), expr("max(stale) stale"),
            expr("cast(null as double) abs_diff"));
        for (Row row : perRequest.groupBy(col(PERIOD), col("view"), lit(ALL_FEATURES).as("name"))
            .agg(aggregates[0], java.util.Arrays.copyOfRange(aggregates, 1, 5)).collectAsList()) {
          figures.addAll(figures(row, ALL_FEATURES));
        }
        return figures;
      } finally {
        compared.unpersist();
      }
    } finally {
      base.unpersist();
    }
  }

  /** Row layout: period, view, name, n, differing, mean_abs_diff, stale, timed. */
  private List<MonitorFigure> figures(Row row, String feature) {
    LocalDateTime period = row.getAs(0);
    String view = row.getString(1);
    long n = row.getLong(3);
    long differing = row.isNullAt(4) ? 0 : row.getLong(4);
    List<MonitorFigure> figures = new ArrayList<>();
    String model = this.model.version().model();
    long version = this.model.version().version();
    figures.add(new MonitorFigure(model, version, period, feature, view, "mismatch_share", n == 0 ? 0 : (double) differing / n, threshold, n));
    if (!row.isNullAt(5)) {
      figures.add(new MonitorFigure(model, version, period, feature, view, "mean_abs_diff", row.getDouble(5), null, n));
    }
    long timed = row.getLong(7);
    if (timed > 0) {
      long stale = row.isNullAt(6) ? 0 : row.getLong(6);
      figures.add(new MonitorFigure(model, version, period, feature, view, "stale_share", (double) stale / timed, threshold, timed));
    }
    return figures;
  }

  /** The logged requests as a spine, joined to the offline features as of each moment, one row per looked-up value. */
  private Dataset<Row> recompute(SparkSession spark, Dataset<Row> base, ModelManifest manifest, Set<String> lookedUp) {
    StructType schema = spark.read().json(base.select(col("request")).as(Encoders.STRING())).schema();
    Set<String> derived = manifest.requestFeatures().stream().filter(f -> f.expr() != null).map(ModelManifest.RequestFeature::name)
        .collect(Collectors.toSet());
    List<Column> columns = new ArrayList<>();
    columns.add(col(ID));
    for (StructField field : schema.fields()) {
      // The spine computes derived features and the join adds looked-up ones: a request's own copy of either would collide.
      if (!derived.contains(field.name()) && !lookedUp.contains(field.name()) && !field.name().equals(manifest.eventTime())
          && !field.name().equals(ID)) {
        columns.add(col("__r.`" + field.name() + "`").as(field.name()));
      }
    }
    columns.add(col(LoggedPredictions.MOMENT).as(manifest.eventTime()));
    Dataset<Row> spine = base.select(col(ID), col(LoggedPredictions.MOMENT), from_json(col("request"), schema).as("__r"))
        .select(columns.toArray(Column[]::new));
    String view = "__treeline_monitor_requests_" + Math.abs(System.nanoTime());
    spine.createOrReplaceTempView(view);
    CompiledPipeline compiled = model.compiled();
    Dataset<Row> rows = ScoreBatch.prepare(spark, context, manifest, compiled, new ScoringInput(null, "SELECT * FROM " + view,
        manifest.eventTime(), null)).rows();
    List<Column> entries = new ArrayList<>();
    for (CompiledPipeline.Input input : compiled.inputs().values()) {
      if (lookedUp.contains(input.name())) {
        Column typed = col("`" + ScoreBatch.typedColumn(input.name()) + "`");
        entries.add(struct(lit(input.name()).as("name"),
            (input.numeric() ? typed.cast(DataTypes.DoubleType) : lit(null).cast(DataTypes.DoubleType)).as("r_number"),
            (input.numeric() ? lit(null).cast(DataTypes.StringType) : typed.cast(DataTypes.StringType)).as("r_text")));
      }
    }
    return rows.select(col(ID), explode(array(entries.toArray(Column[]::new))).as("e")).select(col(ID), col("e.name"), col("e.r_number"),
        col("e.r_text"));
  }

  /** Whether a logged value's feature time was older than its view's ttl at the request's moment; null without either. */
  private Column stale(ModelManifest manifest) {
    StringBuilder ttl = new StringBuilder("CASE view");
    boolean any = false;
    for (FeatureViewDependency dependency : manifest.featureViews()) {
      FeatureView view = repository.find(dependency.view()).orElse(null);
      if (view != null && view.ttl().isPresent()) {
        ttl.append(" WHEN '").append(view.name()).append("' THEN ").append(view.ttl().get().duration().toNanos() / 1000).append("L");
        any = true;
      }
    }
    if (!any) {
      return lit(null).cast(DataTypes.BooleanType);
    }
    ttl.append(" END");
    return expr("unix_micros(cast(" + LoggedPredictions.MOMENT + " as timestamp)) - unix_micros(feature_time) > (" + ttl + ")");
  }
}
