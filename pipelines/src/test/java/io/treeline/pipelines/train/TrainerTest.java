package io.treeline.pipelines.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.treeline.core.lake.TableName;
import io.treeline.core.testing.TempLake;
import io.treeline.core.testing.TestData;
import io.treeline.core.testing.TestSpark;
import io.treeline.featurestore.offline.Materializer;
import io.treeline.featurestore.spec.FeatureRepository;
import io.treeline.pipelines.spec.PipelineSpec;
import io.treeline.pipelines.spec.PipelineSpecParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The shipped pipelines, with split dates and forest sizes scaled to the 14-day flights slice. */
class TrainerTest {
  private static TempLake lake;
  private static FeatureRepository repository;

  @BeforeAll
  static void lakeWithFeatures() {
    lake = new TempLake();
    SparkSession spark = TestSpark.session();
    spark.read().parquet(TestData.flightsSlice().toString())
        .selectExpr("concat_ws('-', date_format(date, 'yyyyMMddHHmm'), origin, destination, "
            + "cast(row_number() over (partition by date, origin, destination order by delay, distance) as string)) as flight_id",
            "date as departure_time", "origin", "destination", "cast(distance as int) as distance", "cast(delay as int) as arrival_delay")
        .write().format("delta").save(lake.layout().table(TableName.parse("raw.flights")));
    spark.read().option("header", "true").option("inferSchema", "true").csv(TestData.airports().toString())
        .write().format("delta").save(lake.layout().table(TableName.parse("raw.airports")));
    repository = FeatureRepository.load(Path.of("..", "conf", "features"));
    Materializer materializer = new Materializer(spark, lake.layout());
    repository.views().forEach(v -> materializer.materialize(v, Optional.empty(), Optional.empty()));
  }

  @AfterAll
  static void cleanUp() {
    lake.close();
  }

  static PipelineSpec sliced(String file, String... replacements) throws IOException {
    String text = Files.readString(Path.of("..", "conf", "pipelines", file))
        .replace("train_until: 2001-05-01", "train_until: 2001-01-10")
        .replace("validate_until: 2001-06-01", "validate_until: 2001-01-12")
        .replace("numTrees: 40", "numTrees: 8")
        .replace("numTrees: 30", "numTrees: 8")
        .replace("maxDepth: 8", "maxDepth: 5");
    for (int i = 0; i < replacements.length; i += 2) {
      text = text.replace(replacements[i], replacements[i + 1]);
    }
    Path path = Files.createTempFile(lake.root(), "pipeline", ".yaml");
    Files.writeString(path, text);
    return PipelineSpecParser.parse(path);
  }

  private static TrainingRun train(PipelineSpec spec) {
    return new Trainer(TestSpark.session(), lake.layout(), repository).train(spec, new Trainer.Options(1, Map.of("treeline", "test")));
  }

  @Test
  void a_classifier_run_writes_model_metrics_treeline_json_and_a_report_with_plots() throws IOException {
    TrainingRun run = train(sliced("flight-delay.yaml", "min: 0.65", "min: 0.5"));

    Path directory = Path.of(run.directory());
    assertThat(run.trainRows() + run.validationRows() + run.testRows()).isEqualTo(20_000);
    assertThat(run.metrics()).containsKeys("validation_auc", "test_auc", "test_auc_pr", "test_log_loss", "test_accuracy",
        "test_precision", "test_recall", "test_f1", "test_baseline_accuracy", "test_lift");
    assertThat(run.metrics().get("test_auc")).isBetween(0.55, 1.0);
    assertThat(run.baselineMetrics()).containsKey("test_auc");
    assertThat(run.passed()).isTrue();
    for (String plot : new String[] {"roc", "precision_recall", "calibration", "confusion_matrix", "feature_importances"}) {
      byte[] png = Files.readAllBytes(directory.resolve("plots/" + plot + ".png"));
      assertThat(png).as(plot).startsWith(0x89, 'P', 'N', 'G');
    }
    assertThat(Files.readString(directory.resolve("report.md"))).contains("| test_auc |", "raw columns only", "![roc](plots/roc.png)");
    assertThat(Files.readString(directory.resolve("spec.yaml"))).contains("name: flight-delay");
    JsonNode treeline = new ObjectMapper().readTree(directory.resolve("model/treeline.json").toFile());
    assertThat(treeline.get("entity_keys").toString()).isEqualTo("[\"origin\",\"destination\"]");
    assertThat(treeline.at("/training_inputs/raw.flights").asLong()).isZero();
    assertThat(treeline.get("input_schema").toString()).contains("{\"name\":\"distance\",\"type\":\"double\"}",
        "{\"name\":\"origin\",\"type\":\"string\"}", "{\"name\":\"origin_delays__avg_delay_24h\",\"type\":\"double\"}");
    assertThat(treeline.get("feature_views").get(0).get("entities").toString()).isEqualTo("[\"origin\"]");
    assertThat(treeline.get("request_features").toString()).contains("{\"name\":\"departure_hour\",\"kind\":\"numeric\",\"expr\":\"hour(departure_time)\"}")
        .contains("{\"name\":\"origin\",\"kind\":\"categorical\"}");
    assertThat(new ObjectMapper().readTree(directory.resolve("metrics.json").toFile()).at("/metrics/test_auc").asDouble())
        .isEqualTo(run.metrics().get("test_auc"));
    assertThat(directory.resolve("model/MLmodel")).exists();
    PipelineModel model = PipelineModel.load(directory.resolve("model/sparkml").toString());
    // imputer; indexers for origin, destination and both airports' states; assembler; forest
    assertThat(model.stages()).hasSize(7);

    // The reference pipeline chooses its threshold where validation F1 is highest, and everything that answers uses it.
    double threshold = run.decision().threshold();
    assertThat(run.thresholdSource()).startsWith("chosen on the validation split to maximise F1");
    assertThat(treeline.get("threshold").asDouble()).isEqualTo(threshold);
    assertThat(treeline.get("format_version").asInt()).isEqualTo(threshold == 0.5 ? 1 : 2);
    var forest = (org.apache.spark.ml.classification.RandomForestClassificationModel) model.stages()[6];
    assertThat(forest.getThresholds()).containsExactly(1 - threshold, threshold);
    // Spark would have merged sibling leaves that predict the same class; Treeline's forest keeps them, with their own probabilities
    assertThat(forest.getNumTrees()).isEqualTo(8);
    assertThat(forest.getMaxDepth()).isEqualTo(5);
    assertThat(java.util.Arrays.stream(forest.trees()).mapToInt(tree -> sameClassSiblings(tree.rootNode())).sum()).isPositive();
    JsonNode metrics = new ObjectMapper().readTree(directory.resolve("metrics.json").toFile());
    assertThat(metrics.at("/decision/threshold").asDouble()).isEqualTo(threshold);
    assertThat(metrics.at("/decision/calibration").asText()).isEqualTo("none");
    assertThat(run.metrics()).containsKeys("test_brier", "validation_brier");
    // The test days by week: their rows add up to the split, and a single week's AUC is the split's.
    JsonNode weeks = metrics.get("test_by_week");
    assertThat(weeks).isNotEmpty();
    long weekRows = 0;
    for (JsonNode week : weeks) {
      weekRows += week.get("rows").asLong();
      assertThat(week.get("week_start").asText()).matches("2001-01-\\d\\d");
    }
    assertThat(weekRows).isEqualTo(run.testRows());
    if (weeks.size() == 1) {
      assertThat(weeks.get(0).get("auc").asDouble()).isEqualTo(run.metrics().get("test_auc"));
    }
    assertThat(Files.readString(directory.resolve("report.md"))).contains("## Test metrics by week", "chosen on the validation split");
    assertThat(directory.resolve("plots/auc_by_week.png")).exists();
  }

  @Test
  void a_calibrated_model_with_a_tuned_forest_chooses_everything_on_the_validation_split_only() throws IOException {
    PipelineSpec spec = sliced("flight-delay.yaml", "min: 0.65", "min: 0.5", "threshold: {optimize: f1}",
        "threshold: {optimize: cost, false_positive_cost: 1, false_negative_cost: 4}\ncalibration: isotonic",
        "split:", "tuning:\n  grid: {maxDepth: [2, 5]}\n  metric: auc\nsplit:",
        "baseline:\n  columns: [origin, destination, distance, departure_hour, day_of_week, month]\n", "");
    TrainingRun run = train(spec);

    // On a split by time the grid is scored on the validation split, each point fitted on the train split alone.
    assertThat(spec.tuning().method()).isEqualTo("validation_split");
    assertThat(run.params()).containsEntry("tuning_method", "validation_split");
    PipelineModel chosen = PipelineModel.load(Path.of(run.directory(), "model/sparkml").toString());
    SparkSession spark = TestSpark.session();
    var validation = spark.read().format("delta").load(lake.layout().table(new TableName("training", "flight_delay")))
        .where("departure_time >= '2001-01-10' and departure_time < '2001-01-12'");
    double validationAuc = new org.apache.spark.ml.evaluation.BinaryClassificationEvaluator().setLabelCol("label")
        .evaluate(chosen.transform(Trainer.typed(validation, Trainer.columns(spec, validation, featureColumns(validation)))));
    assertThat((Double) run.params().get("tuning_best_score")).isCloseTo(validationAuc, org.assertj.core.data.Offset.offset(1e-12));
    // and the chosen forest is the one a fit on the rows before train_until alone gives: no later row was fitted on
    var table = spark.read().format("delta").load(lake.layout().table(new TableName("training", "flight_delay")));
    FeatureColumns columns = Trainer.columns(spec, table, featureColumns(table));
    PipelineSpec fixed = sliced("flight-delay.yaml", "maxDepth: 5", "maxDepth: " + run.params().get("maxDepth"));
    PipelineModel refit = PipelineBuilder.build(fixed, columns).fit(Trainer.typed(table, columns).where("departure_time < '2001-01-10'"));
    var typedValidation = Trainer.typed(validation, columns).orderBy("flight_id");
    assertThat(refit.transform(typedValidation).select("probability").collectAsList())
        .isEqualTo(chosen.transform(typedValidation).select("probability").collectAsList());

    // Isotonic calibration fitted there, kept in the package, reported before and after.
    JsonNode treeline = new ObjectMapper().readTree(Path.of(run.directory(), "model/treeline.json").toFile());
    assertThat(treeline.at("/calibration/method").asText()).isEqualTo("isotonic");
    assertThat(treeline.get("format_version").asInt()).isEqualTo(2);
    io.treeline.modelpackage.ModelManifest manifest = io.treeline.modelpackage.ModelManifest.read(Path.of(run.directory(), "model"));
    assertThat(manifest.decision()).isEqualTo(run.decision());
    assertThat(run.metrics()).containsKeys("test_uncalibrated_log_loss", "test_uncalibrated_brier", "test_brier");
    assertThat(run.thresholdSource()).contains("minimise the cost of errors");
    assertThat(Files.readString(Path.of(run.directory(), "report.md"))).contains("calibrated (isotonic, fitted on the validation split)");
    // The saved forest cuts its own probability where the calibrated one crosses the threshold, so Spark's labels are Treeline's.
    var forest = (org.apache.spark.ml.classification.ProbabilisticClassificationModel<?, ?>) chosen.stages()[chosen.stages().length - 1];
    assertThat(forest.getThresholds()[1]).isEqualTo(run.decision().forestThreshold());
  }

  /** Pairs of sibling leaves that predict the same class: what Spark's pruning merges. */
  private static int sameClassSiblings(org.apache.spark.ml.tree.Node node) {
    if (!(node instanceof org.apache.spark.ml.tree.InternalNode internal)) {
      return 0;
    }
    boolean pair = internal.leftChild() instanceof org.apache.spark.ml.tree.LeafNode left
        && internal.rightChild() instanceof org.apache.spark.ml.tree.LeafNode right && left.prediction() == right.prediction();
    return (pair ? 1 : 0) + sameClassSiblings(internal.leftChild()) + sameClassSiblings(internal.rightChild());
  }

  private static java.util.List<String> featureColumns(org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> data) {
    return java.util.Arrays.stream(data.columns()).filter(c -> c.contains("__")).toList();
  }

  @Test
  void the_same_spec_data_and_seed_give_the_same_metrics() throws IOException {
    PipelineSpec spec = sliced("flight-delay.yaml", "min: 0.65", "min: 0.99");
    TrainingRun first = train(spec);
    TrainingRun second = train(spec);

    assertThat(second.metrics()).isEqualTo(first.metrics());
    assertThat(second.baselineMetrics()).isEqualTo(first.baselineMetrics());
    // The same again on the training set the second run wrote, read rather than rebuilt: nothing is written to it.
    TableName built = TableName.parse(second.trainingSetTable());
    long version = io.delta.tables.DeltaTable.forPath(TestSpark.session(), lake.layout().table(built)).history(1).first().getLong(0);
    TrainingRun reused = new Trainer(TestSpark.session(), lake.layout(), repository)
        .train(spec, new Trainer.Options(1, Map.of("treeline", "test"), Optional.of(built)));
    assertThat(reused.metrics()).isEqualTo(first.metrics());
    assertThat(reused.inputVersions()).isEqualTo(second.inputVersions());
    assertThat(io.delta.tables.DeltaTable.forPath(TestSpark.session(), lake.layout().table(built)).history(1).first().getLong(0)).isEqualTo(version);
    // Another sample is another spine; a table nobody built is no training set.
    assertThatThrownBy(() -> new Trainer(TestSpark.session(), lake.layout(), repository)
        .train(spec, new Trainer.Options(0.5, Map.of(), Optional.of(built))))
        .hasMessageStartingWith("Cannot use --training-set " + built + ": it was built with another spine than this run's: ")
        .hasMessageContaining("rand(42) < 0.5");
    // A view redefined since (one window longer) makes it another training set.
    Path redefinedViews = Files.createDirectories(lake.root().resolve("redefined-views"));
    String views = Files.readString(Path.of("..", "conf", "features", "flights.yaml"));
    Files.writeString(redefinedViews.resolve("flights.yaml"), views.replaceFirst("        agg: max\n        window: 24h", "        agg: max\n        window: 25h"));
    assertThatThrownBy(() -> new Trainer(TestSpark.session(), lake.layout(), FeatureRepository.load(redefinedViews))
        .train(spec, new Trainer.Options(1, Map.of(), Optional.of(built))))
        .hasMessageStartingWith("Cannot use --training-set " + built + ": the feature view origin_delays has been redefined since it was built")
        .extracting(e -> ((io.treeline.core.error.TreelineException) e).remedy()).asString().startsWith("Leave --training-set out");
    assertThatThrownBy(() -> new Trainer(TestSpark.session(), lake.layout(), repository)
        .train(spec, new Trainer.Options(1, Map.of(), Optional.of(TableName.parse("training.nothing_here")))))
        .hasMessageStartingWith("Cannot read --training-set training.nothing_here: there is no such table");
    // The gate is set out of reach: the failure names the metric and the shortfall.
    assertThat(first.passed()).isFalse();
    assertThat(first.gates().get(0).describe()).matches("test_auc = 0\\.\\d{4}, below the minimum 0\\.9900 by 0\\.\\d{4}");
  }

  @Test
  void a_regressor_reports_rmse_mae_r2_and_its_plots() throws IOException {
    TrainingRun run = train(sliced("flight-delay-minutes.yaml"));

    assertThat(run.metrics()).containsKeys("test_rmse", "test_mae", "test_r2", "test_baseline_rmse", "test_lift");
    assertThat(Path.of(run.directory(), "plots", "predicted_vs_actual.png")).exists();
    assertThat(Path.of(run.directory(), "plots", "residuals.png")).exists();
  }

  @Test
  void tuning_searches_the_grid_and_records_the_chosen_parameters() throws IOException {
    TrainingRun run = train(sliced("flight-delay.yaml", "min: 0.65", "min: 0.5",
        "split:", "tuning:\n  method: train_validation_split\n  grid: {maxDepth: [3, 5]}\n  parallelism: 2\n  metric: auc\nsplit:"));

    JsonNode params = new ObjectMapper().readTree(Path.of(run.directory(), "metrics.json").toFile()).get("params");
    assertThat(params.get("maxDepth").asInt()).isIn(3, 5);
    assertThat(params.has("tuning_best_score")).isTrue();
  }

  @Test
  void an_empty_split_is_an_input_error() throws IOException {
    PipelineSpec spec = sliced("flight-delay.yaml", "validate_until: 2001-01-12", "validate_until: 2001-03-01");

    assertThatThrownBy(() -> train(spec)).hasMessage("Cannot split the training set: the test split is empty");
  }
}
