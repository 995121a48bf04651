package io.treeline.featurestore.pit;

import io.delta.tables.DeltaTable;
import io.treeline.core.error.Errors;
import io.treeline.core.lake.FeatureColumn;
import io.treeline.core.lake.LakeCatalog;
import io.treeline.core.lake.LakeLayout;
import io.treeline.core.lake.TableName;
import io.treeline.featurestore.spec.FeatureRepository;
import io.treeline.featurestore.spec.FeatureSpec;
import io.treeline.featurestore.spec.FeatureView;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Builds a training set: the spine with each requested feature joined point-in-time. Every input
 * is read at a recorded Delta version — the current one, or one given to rebuild an earlier set
 * exactly — and the versions are stored in the output table's properties.
 */
public final class TrainingSetBuilder {
  public static final String VERSION_PROPERTY_PREFIX = "treeline.input.";
  /** The table property listing the looked-up feature columns, comma-separated, in order. */
  public static final String FEATURES_PROPERTY = "treeline.features";
  /** Per view, {@code treeline.view.<name>.definition_sha256}: what its definition was when the set was built. */
  private static final String VIEW_PROPERTY_PREFIX = "treeline.view.";
  private static final String DEFINITION_PROPERTY_SUFFIX = ".definition_sha256";

  private final SparkSession spark;
  private final LakeLayout layout;
  private final FeatureRepository repository;

  public TrainingSetBuilder(SparkSession spark, LakeLayout layout, FeatureRepository repository) {
    this.spark = spark;
    this.layout = layout;
    this.repository = repository;
  }

  /** The training set, the Delta version of every table it was read from, and its looked-up feature columns in order. */
  public record TrainingSet(Dataset<Row> rows, Map<String, Long> inputVersions, List<FeatureColumn> featureColumns) {}

  public record Result(String table, long rows, long deltaVersion, Map<String, Long> inputVersions, List<FeatureColumn> featureColumns) {}

  public TrainingSet build(Spine spine, List<FeatureRef> refs, Map<String, Long> asOfVersions) {
    Map<String, Long> versions = new TreeMap<>();
    Dataset<Row> rows = spine(spine, asOfVersions, versions);
    if (!List.of(rows.columns()).contains(spine.eventTime())) {
      throw Errors.invalidInput("build", "the training set", "the spine has no event time column '" + spine.eventTime()
          + "' (columns: " + String.join(", ", rows.columns()) + ")", "Pass --event-time COLUMN naming the prediction moment.");
    }
    List<FeatureColumn> columns = new ArrayList<>();
    Map<FeatureView, List<String>> byView = resolve(refs);
    // Measured once on the spine itself, not on the spine as each join leaves it.
    SpineTimes times = byView.keySet().stream().anyMatch(FeatureView::timed) ? SpineTimes.of(rows, spine.eventTime()) : null;
    for (Map.Entry<FeatureView, List<String>> entry : byView.entrySet()) {
      FeatureView view = entry.getKey();
      String table = view.offlineTable().toString();
      Dataset<Row> offline = read(view.offlineTable(), asOfVersions.get(table), versions, "the view " + view.name()
          + " has not been materialized", "Run `treeline features materialize --view " + view.name() + "` first.");
      rows = times == null ? PointInTimeJoin.join(rows, spine.eventTime(), view, offline, entry.getValue())
          : PointInTimeJoin.join(rows, spine.eventTime(), view, offline, entry.getValue(), times);
      entry.getValue().forEach(f -> columns.add(new FeatureColumn(view.name(), f)));
    }
    return new TrainingSet(rows, versions, columns);
  }

  public Result write(TrainingSet set, Spine spine, TableName out) {
    String location = layout.table(out);
    String view = "__treeline_training_set_" + Math.abs(System.nanoTime());
    set.rows().createOrReplaceTempView(view);
    Map<String, String> properties = new LinkedHashMap<>();
    set.inputVersions().forEach((table, version) -> properties.put(VERSION_PROPERTY_PREFIX + table + ".version", Long.toString(version)));
    properties.put("treeline.spine", spine.tableOrSql());
    properties.put("treeline.event_time", spine.eventTime());
    properties.put(FEATURES_PROPERTY, set.featureColumns().stream().map(FeatureColumn::column).collect(Collectors.joining(",")));
    set.featureColumns().stream().map(FeatureColumn::view).distinct().forEach(name ->
        properties.put(VIEW_PROPERTY_PREFIX + name + DEFINITION_PROPERTY_SUFFIX, repository.get(name).definitionSha256()));
    String tblProperties = properties.entrySet().stream()
        .map(e -> "'" + escape(e.getKey()) + "' = '" + escape(e.getValue()) + "'")
        .collect(Collectors.joining(", "));
    // One Delta commit replaces the table and records the input versions with it.
    spark.sql("CREATE OR REPLACE TABLE delta.`" + location + "` USING delta TBLPROPERTIES (" + tblProperties + ") AS SELECT * FROM " + view);
    spark.catalog().dropTempView(view);
    new LakeCatalog(spark, layout).register(out);
    Row commit = DeltaTable.forPath(spark, location).history(1).select("version", "operationMetrics").first();
    Map<String, String> metrics = commit.getJavaMap(1);
    long rows = Long.parseLong(metrics.getOrDefault("numOutputRows", "-1"));
    return new Result(out.toString(), rows, commit.getLong(0), set.inputVersions(), set.featureColumns());
  }

  /**
   * A training set written earlier by {@link #write}, at its current version, checked to be the one
   * {@code spine} and {@code refs} would build: the same spine, event time and feature columns. Its
   * input versions are those it records, which may be older than the inputs' current ones.
   */
  public Result existing(TableName table, Spine spine, List<FeatureRef> refs) {
    String location = layout.table(table);
    String what = "--training-set " + table;
    if (!DeltaTable.isDeltaTable(spark, location)) {
      throw Errors.invalidInput("read", what, "there is no such table (" + location + ")",
          "Name a training set an earlier run built (`treeline sql \"show tables in training\"`), or leave --training-set out to build one.");
    }
    Map<String, String> properties = DeltaTable.forPath(spark, location).detail().select("properties").first().getJavaMap(0);
    List<FeatureColumn> columns = new ArrayList<>();
    Map<FeatureView, List<String>> byView = resolve(refs);
    byView.forEach((view, features) -> features.forEach(f -> columns.add(new FeatureColumn(view.name(), f))));
    String expectedFeatures = columns.stream().map(FeatureColumn::column).collect(Collectors.joining(","));
    if (!properties.containsKey(FEATURES_PROPERTY)) {
      throw Errors.invalidInput("use", what, "it was not written by Treeline's training-set builder (it records no spine or features)",
          "Name a table that `treeline train` or `treeline features build-training-set` wrote.");
    }
    mustEqual(what, "spine", properties.get("treeline.spine"), spine.tableOrSql());
    mustEqual(what, "event time", properties.get("treeline.event_time"), spine.eventTime());
    mustEqual(what, "feature columns", properties.get(FEATURES_PROPERTY), expectedFeatures);
    for (FeatureView view : byView.keySet()) {
      // Sets built before definitions were recorded have none to compare.
      String recorded = properties.get(VIEW_PROPERTY_PREFIX + view.name() + DEFINITION_PROPERTY_SUFFIX);
      if (recorded != null && !recorded.equals(view.definitionSha256())) {
        throw Errors.invalidInput("use", what, "the feature view " + view.name() + " has been redefined since it was built (" + view.file()
            + " computes its features differently now)", "Leave --training-set out to build the training set again with the views as they are.");
      }
    }
    Map<String, Long> inputs = new TreeMap<>();
    properties.forEach((key, value) -> {
      if (key.startsWith(VERSION_PROPERTY_PREFIX) && key.endsWith(".version")) {
        inputs.put(key.substring(VERSION_PROPERTY_PREFIX.length(), key.length() - ".version".length()), Long.parseLong(value));
      }
    });
    long version = currentVersion(table);
    long rows = spark.read().format("delta").option("versionAsOf", version).load(location).count();
    return new Result(table.toString(), rows, version, inputs, columns);
  }

  private static void mustEqual(String what, String property, String recorded, String wanted) {
    if (!wanted.equals(recorded)) {
      throw Errors.invalidInput("use", what, "it was built with another " + property + " than this run's: " + recorded + " (this run: " + wanted + ")",
          "Leave --training-set out to build the pipeline's own, or train with the --sample and pipeline the table was built for.");
    }
  }

  private Dataset<Row> spine(Spine spine, Map<String, Long> asOf, Map<String, Long> versions) {
    if (!spine.isQuery()) {
      TableName table = TableName.parse(spine.tableOrSql().trim());
      return read(table, asOf.get(table.toString()), versions, "the spine table does not exist",
          "Name an existing lake table (`treeline sql \"show tables in raw\"`), or give a SELECT query.");
    }
    String sql = spine.tableOrSql();
    for (TableName table : new LakeCatalog(spark, layout).registerAll()) {
      Matcher mentioned = Pattern.compile("(?i)(?<![\\w.`])" + Pattern.quote(table.toString()) + "(?![\\w`])").matcher(sql);
      if (!mentioned.find()) {
        continue;
      }
      Long version = asOf.get(table.toString());
      versions.put(table.toString(), version != null ? version : currentVersion(table));
      if (version != null) {
        sql = mentioned.replaceAll(Matcher.quoteReplacement(table + " VERSION AS OF " + version));
      }
    }
    try {
      return spark.sql(sql);
    } catch (Exception e) { // Spark throws its checked AnalysisException without declaring it
      new LakeCatalog(spark, layout).explainMissingTable(e).ifPresent(unreadable -> {
        throw unreadable;
      });
      throw Errors.invalidInput("read", "the spine query", e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse(""),
          "Fix the query; `treeline sql` runs it on its own.", e);
    }
  }

  private Dataset<Row> read(TableName table, Long version, Map<String, Long> versions, String missing, String remedy) {
    String location = layout.table(table);
    if (!DeltaTable.isDeltaTable(spark, location)) {
      new LakeCatalog(spark, layout).whyUnreadable(table).ifPresent(unreadable -> {
        throw unreadable;
      });
      throw Errors.invalidInput("build", "the training set", missing + " (" + table + " at " + location + ")", remedy);
    }
    long used = version != null ? version : currentVersion(table);
    versions.put(table.toString(), used);
    return spark.read().format("delta").option("versionAsOf", used).load(location);
  }

  private long currentVersion(TableName table) {
    return DeltaTable.forPath(spark, layout.table(table)).history(1).select("version").first().getLong(0);
  }

  /** Groups the requested features by view, in request order; "*" expands to all of a view's features. */
  private Map<FeatureView, List<String>> resolve(List<FeatureRef> refs) {
    Map<FeatureView, List<String>> byView = new LinkedHashMap<>();
    for (FeatureRef ref : refs) {
      FeatureView view = repository.get(ref.view());
      List<String> features = byView.computeIfAbsent(view, v -> new ArrayList<>());
      List<String> wanted = ref.all() ? view.features().stream().map(FeatureSpec::name).toList() : List.of(ref.feature());
      for (String feature : wanted) {
        if (view.feature(feature).isEmpty()) {
          throw Errors.invalidInput("find", "feature " + ref, "view " + view.name() + " has no feature '" + feature + "'",
              "Its features: " + view.features().stream().map(FeatureSpec::name).collect(Collectors.joining(", ")) + ".");
        }
        if (!features.contains(feature)) {
          features.add(feature);
        }
      }
    }
    return byView;
  }

  private static String escape(String value) {
    return value.replace("\\", "\\\\").replace("'", "\\'");
  }
}
