package io.treeline.serving.http;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;

import io.treeline.core.testing.TempLake;
import io.treeline.core.testing.TestData;
import io.treeline.core.testing.TestSpark;
import io.treeline.featurestore.online.EmbeddedOnlineStore;
import io.treeline.featurestore.online.OnlineStore;
import io.treeline.featurestore.online.OnlineTable;
import io.treeline.modelpackage.ModelManifest;
import io.treeline.modelpackage.ModelManifest.FeatureViewDependency;
import io.treeline.modelpackage.ModelManifest.InputColumn;
import io.treeline.modelpackage.ModelManifest.Kind;
import io.treeline.modelpackage.ModelManifest.RequestFeature;
import io.treeline.modelpackage.ModelManifest.TrainingSet;
import io.treeline.modelpackage.ModelPackage;
import io.treeline.registry.LoggedRun;
import io.treeline.registry.ModelRegistry;
import io.treeline.registry.ModelVersion;
import io.treeline.registry.RunRecord;
import io.treeline.registry.lake.LakeRegistry;
import io.treeline.serving.ServingApp;
import io.treeline.serving.model.ModelHost;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.classification.RandomForestClassifier;
import org.apache.spark.ml.feature.Imputer;
import org.apache.spark.ml.feature.StringIndexer;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.regression.RandomForestRegressor;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * A lake for serving tests, built once per test JVM from the flights slice: two feature views and
 * a static one in the embedded online store, a classifier ("delay", alias champion) and a regressor
 * ("delay-minutes", alias champion) registered in the lake registry, made the way training makes
 * them (a PipelineModel with imputation and string indexing, treeline.json, the MLflow package).
 */
final class ServingFixture {
  static final String CLASSIFIER = "delay";
  static final String REGRESSOR = "delay-minutes";
  static final OnlineTable ORIGIN_DELAYS = new OnlineTable("origin_delays", List.of("origin"), List.of("avg_delay_24h"));
  static final OnlineTable ROUTE_DELAYS = new OnlineTable("route_delays", List.of("origin", "destination"), List.of("avg_delay_7d"));
  static final OnlineTable ORIGIN_AIRPORT = new OnlineTable("origin_airport", List.of("origin"), List.of("state"));
  static final List<OnlineTable> TABLES = List.of(ORIGIN_DELAYS, ROUTE_DELAYS, ORIGIN_AIRPORT);

  private static ServingFixture instance;

  final TempLake lake = new TempLake();
  final SparkSession spark = TestSpark.session();
  final ModelRegistry registry;
  final OnlineStore store;
  /** What was written to the online store, per view, to write it to another store too. */
  final Map<OnlineTable, Dataset<Row>> online;
  /** Every flight of the slice with the columns the models read, the looked-up ones as the store holds them. */
  final Dataset<Row> rows;
  final PipelineModel classifier;
  final PipelineModel regressor;

  private ServingFixture() {
    Dataset<Row> flights = spark.read().parquet(TestData.flightsSlice().toString())
        .select(col("origin"), col("destination"), col("distance").cast("double").as("distance"),
            expr("CAST(date AS TIMESTAMP_NTZ)").as("departure_time"), col("delay").cast("double").as("delay"));
    // Feature values per entity; two of the slice's ten origins have none, so lookups also miss.
    Dataset<Row> origin = flights.where("origin NOT IN ('DTW', 'STL')").groupBy("origin")
        .agg(expr("avg(delay)").as("avg_delay_24h"), expr("substr(origin, 1, 1)").as("state"))
        .withColumn("feature_time", expr("TIMESTAMP_NTZ'2001-06-01 00:00:00'"));
    Dataset<Row> route = flights.groupBy("origin", "destination").agg(expr("avg(delay)").as("avg_delay_7d"))
        .withColumn("feature_time", expr("TIMESTAMP_NTZ'2001-06-01 00:00:00'"));
    online = Map.of(ORIGIN_DELAYS, origin.select("origin", "feature_time", "avg_delay_24h"), ROUTE_DELAYS, route,
        ORIGIN_AIRPORT, origin.select("origin", "feature_time", "state"));
    store = new EmbeddedOnlineStore(spark, lake.layout(), null);
    online.forEach(store::write);
    rows = flights.join(origin.select(col("origin"), col("avg_delay_24h").as("origin_delays__avg_delay_24h"), col("state").as("origin_airport__state")),
            "origin", "left")
        .join(route.select(col("origin"), col("destination"), col("avg_delay_7d").as("route_delays__avg_delay_7d")),
            scala.jdk.javaapi.CollectionConverters.asScala(List.of("origin", "destination")).toSeq(), "left")
        .withColumn("departure_hour", expr("CAST(hour(departure_time) AS DOUBLE)"))
        .withColumn("day_of_week", expr("CAST(dayofweek(departure_time) AS DOUBLE)"))
        .withColumn("label", expr("CASE WHEN delay > 15 THEN 1.0 ELSE 0.0 END"))
        .withColumn("delay_class", expr("CASE WHEN delay < 0 THEN 0.0 WHEN delay <= 15 THEN 1.0 ELSE 2.0 END"))
        .cache();
    classifier = fit(new RandomForestClassifier().setNumTrees(10).setMaxDepth(6).setMaxBins(64).setSeed(7));
    regressor = fit(new RandomForestRegressor().setNumTrees(10).setMaxDepth(6).setMaxBins(64).setSeed(7).setLabelCol("delay"));
    registry = new LakeRegistry(lake.layout(), spark.sparkContext().hadoopConfiguration());
    registry.setAlias(CLASSIFIER, "champion", register(CLASSIFIER, classifier, "random_forest_classifier").version());
    registry.setAlias(REGRESSOR, "champion", register(REGRESSOR, regressor, "random_forest_regressor").version());
  }

  static synchronized ServingFixture get() {
    if (instance == null) {
      instance = new ServingFixture();
    }
    return instance;
  }

  /** A three-class classifier (early, on time, late), registered as "delay-class" with alias champion on first use. */
  synchronized String multiclass() {
    if (registry.models().stream().noneMatch(m -> m.name().equals("delay-class"))) {
      PipelineModel model = fit(new RandomForestClassifier().setNumTrees(5).setMaxDepth(4).setMaxBins(64).setSeed(7).setLabelCol("delay_class"));
      registry.setAlias("delay-class", "champion", register("delay-class", model, "random_forest_classifier").version());
    }
    return "delay-class@champion";
  }

  private PipelineModel fit(PipelineStage model) {
    String[] numeric = {"distance", "departure_hour", "day_of_week", "origin_delays__avg_delay_24h", "route_delays__avg_delay_7d"};
    String[] imputed = java.util.Arrays.stream(numeric).map(c -> c + "_imputed").toArray(String[]::new);
    return new Pipeline().setStages(new PipelineStage[] {
        new Imputer().setInputCols(numeric).setOutputCols(imputed),
        new StringIndexer().setInputCols(new String[] {"origin", "destination", "origin_airport__state"})
            .setOutputCols(new String[] {"origin_index", "destination_index", "state_index"}).setHandleInvalid("keep"),
        new VectorAssembler().setInputCols(concat(imputed, new String[] {"origin_index", "destination_index", "state_index"})).setOutputCol("features"),
        model}).fit(rows);
  }

  private static String[] concat(String[] a, String[] b) {
    String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, all, a.length, b.length);
    return all;
  }

  /** Registers {@code model} as the next version of {@code name}, with the treeline.json training writes. */
  ModelVersion register(String name, PipelineModel model, String type) {
    return register(name, model, type, "dayofweek(departure_time)");
  }

  /** As above, deriving day_of_week with {@code dayOfWeek} (an expression serving cannot compute makes a version that fails to load). */
  ModelVersion register(String name, PipelineModel model, String type, String dayOfWeek) {
    return register(name, model, type, dayOfWeek, true);
  }

  /** As above; without {@code compiled}, the package lacks compiled-pipeline.bin, as one an older Treeline wrote. */
  ModelVersion register(String name, PipelineModel model, String type, String dayOfWeek, boolean compiled) {
    try {
      Path run = Files.createTempDirectory(lake.root(), "run");
      String runId = name + "-" + UUID.randomUUID().toString().substring(0, 8);
      ModelPackage.write(model, run.resolve("model").toString(), manifest(name, runId, type, dayOfWeek), null,
          spark.sparkContext().hadoopConfiguration());
      if (!compiled) {
        Files.delete(run.resolve("model").resolve(ModelPackage.COMPILED_PIPELINE));
      }
      LoggedRun logged = registry.logRun(new RunRecord(runId, name, run.toString(), Map.of(), Map.of("test_auc", 0.7), Map.of(),
          Instant.now().minusSeconds(1), Instant.now(), true));
      return registry.register(name, logged, "model", Map.of());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** The manifest training writes for these views and request features (the fixture's models read them all). */
  private static ModelManifest manifest(String name, String runId, String type, String dayOfWeek) {
    return new ModelManifest(name, runId, name, type, 0.5, "delay > 15", "departure_time",
        TABLES.stream().map(t -> new FeatureViewDependency(t.view(), "features." + t.view(), t.entityKeys(), t.features())).toList(),
        List.of(new RequestFeature("origin", Kind.CATEGORICAL, null), new RequestFeature("destination", Kind.CATEGORICAL, null),
            new RequestFeature("distance", Kind.NUMERIC, null), new RequestFeature("departure_hour", Kind.NUMERIC, "hour(departure_time)"),
            new RequestFeature("day_of_week", Kind.NUMERIC, dayOfWeek)),
        Map.of("departure", "departure_time"),
        List.of(new InputColumn("distance", "double"), new InputColumn("departure_hour", "double"), new InputColumn("day_of_week", "double"),
            new InputColumn("origin_delays__avg_delay_24h", "double"), new InputColumn("route_delays__avg_delay_7d", "double"),
            new InputColumn("origin", "string"), new InputColumn("destination", "string"), new InputColumn("origin_airport__state", "string")),
        new TrainingSet("training.serving_fixture", 0), Map.of(), Map.of("test_auc", 0.7), Map.of(), Instant.now());
  }

  ServingApp serve(ServerOptions options, String... models) {
    return serve(options, store, "embedded", models);
  }

  ServingApp serve(ServerOptions options, OnlineStore from, String kind, String... models) {
    return ServingApp.start(java.util.Arrays.stream(models).map(ModelHost.Served::parse).toList(), options, registry, from, kind, "test");
  }

  /** Serves routes and shadows as well as plain models. */
  ServingApp serve(ServerOptions options, List<ModelHost.Served> served) {
    return ServingApp.start(served, options, registry, store, "embedded", "test");
  }

  private PipelineModel challenger;

  /** A smaller forest of the same inputs (5 trees, depth 3): a second version that answers differently, fitted on first use. */
  synchronized PipelineModel challengerClassifier() {
    if (challenger == null) {
      challenger = fit(new RandomForestClassifier().setNumTrees(5).setMaxDepth(3).setMaxBins(64).setSeed(11));
    }
    return challenger;
  }

  static ServerOptions options() {
    return ServerOptions.defaults().withPort(0).withPollInterval(java.time.Duration.ZERO);
  }
}
