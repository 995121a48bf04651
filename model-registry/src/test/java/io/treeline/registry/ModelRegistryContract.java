package io.treeline.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.treeline.core.error.InvalidInputException;
import io.treeline.core.testing.TestSpark;
import io.treeline.modelpackage.ModelManifest;
import io.treeline.modelpackage.ModelManifest.InputColumn;
import io.treeline.modelpackage.ModelManifest.Kind;
import io.treeline.modelpackage.ModelManifest.RequestFeature;
import io.treeline.modelpackage.ModelManifest.TrainingSet;
import io.treeline.modelpackage.ModelPackage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.classification.RandomForestClassifier;
import org.apache.spark.ml.feature.StringIndexer;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What every {@link ModelRegistry} must do; run against the lake registry and a real MLflow server. */
public abstract class ModelRegistryContract {
  private static PipelineModel model;
  private static Dataset<Row> data;

  @TempDir Path temp;

  protected abstract ModelRegistry registry();

  protected static synchronized PipelineModel model() {
    if (model == null) {
      SparkSession spark = TestSpark.session();
      StructType schema = new StructType().add("x", DataTypes.DoubleType).add("city", DataTypes.StringType).add("label", DataTypes.DoubleType);
      List<Row> rows = new ArrayList<>();
      for (int i = 0; i < 60; i++) {
        rows.add(RowFactory.create((double) i, i % 3 == 0 ? "SFO" : "LAX", i > 30 ? 1.0 : 0.0));
      }
      data = spark.createDataFrame(rows, schema);
      model = new Pipeline().setStages(new PipelineStage[] {
          new StringIndexer().setInputCol("city").setOutputCol("city_index").setHandleInvalid("keep"),
          new VectorAssembler().setInputCols(new String[] {"x", "city_index"}).setOutputCol("features"),
          new RandomForestClassifier().setNumTrees(3).setMaxDepth(3).setSeed(1)}).fit(data);
    }
    return model;
  }

  /** A run directory as training writes it: model/ in the MLflow format, plus a report. */
  protected Path runDirectory(double testAuc) {
    return runDirectory(temp, testAuc);
  }

  /** As above, under {@code parent}: for tests of one registry outside the contract. */
  public static Path runDirectory(Path parent, double testAuc) {
    Path run = parent.resolve("run-" + UUID.randomUUID());
    Map<String, Double> metrics = new java.util.LinkedHashMap<>();
    metrics.put("test_auc", testAuc);
    metrics.put("test_log_loss", 1 - testAuc);
    ModelManifest manifest = new ModelManifest("contract", "contract-run", "contract", "random_forest_classifier", 0.5, "y", "t",
        List.of(), List.of(new RequestFeature("x", Kind.NUMERIC, null), new RequestFeature("city", Kind.CATEGORICAL, null)), Map.of(),
        List.of(new InputColumn("x", "double"), new InputColumn("city", "string")), new TrainingSet("training.contract", 0), Map.of(),
        metrics, Map.of(), Instant.now());
    ModelPackage.write(model(), run.resolve("model").toString(), manifest, null, TestSpark.session().sparkContext().hadoopConfiguration());
    try {
      Files.writeString(run.resolve("report.md"), "# report\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return run;
  }

  protected LoggedRun logRun(double testAuc) {
    Path dir = runDirectory(testAuc);
    String runId = "contract-" + UUID.randomUUID().toString().substring(0, 8);
    return registry().logRun(new RunRecord(runId, "contract", dir.toString(), Map.of("numTrees", "3"),
        Map.of("test_auc", testAuc), Map.of("git_commit", "abc123"), Instant.now().minusSeconds(5), Instant.now(), true));
  }

  protected static String newModelName() {
    return "m-" + UUID.randomUUID().toString().substring(0, 8);
  }

  @Test
  void registers_numbered_versions_of_a_logged_run_and_resolves_them() {
    String name = newModelName();
    LoggedRun run = logRun(0.7);
    ModelVersion first = registry().register(name, run, "model", Map.of());
    ModelVersion second = registry().register(name, logRun(0.8), "model", Map.of());

    assertThat(first.version()).isEqualTo(1);
    assertThat(second.version()).isEqualTo(2);
    assertThat(first.status()).isEqualTo(ModelVersion.READY);
    assertThat(first.runId()).isEqualTo(run.runId());
    assertThat(first.metrics()).containsEntry("test_auc", 0.7);
    assertThat(registry().resolve(ModelRef.parse(name)).version()).isEqualTo(2);
    assertThat(registry().resolve(ModelRef.parse(name + "/1")).manifest().modelType()).isEqualTo("random_forest_classifier");
    assertThat(registry().models()).anySatisfy(m -> {
      assertThat(m.name()).isEqualTo(name);
      assertThat(m.latestVersion()).isEqualTo(2);
    });
    assertThat(registry().versions(name, Map.of())).extracting(ModelVersion::version).containsExactly(2L, 1L);
  }

  @Test
  void a_file_added_to_a_registered_package_is_in_what_the_next_download_gets() {
    String name = newModelName();
    ModelVersion version = registry().register(name, logRun(0.7), "model", Map.of());
    registry().addToPackage(version, "added.bin", new byte[] {1, 2, 3});
    Path local = registry().download(registry().resolve(ModelRef.ofVersion(name, version.version())), temp.resolve("with-added"));
    assertThat(local.resolve("added.bin")).hasBinaryContent(new byte[] {1, 2, 3});
    assertThat(local.resolve("treeline.json")).exists();
  }

  @Test
  void a_downloaded_version_is_an_mlflow_model_that_spark_loads_and_predicts_with_unchanged() throws IOException {
    String name = newModelName();
    ModelVersion version = registry().register(name, logRun(0.7), "model", Map.of());
    Path local = registry().download(version, temp.resolve("download"));

    JsonNode mlmodel = new ObjectMapper(new YAMLFactory()).readTree(local.resolve("MLmodel").toFile());
    assertThat(mlmodel.at("/flavors/python_function/loader_module").asText()).isEqualTo("mlflow.spark");
    assertThat(mlmodel.at("/flavors/python_function/data").asText()).isEqualTo("sparkml");
    assertThat(mlmodel.at("/flavors/spark/model_data").asText()).isEqualTo("sparkml");
    assertThat(mlmodel.at("/flavors/spark/pyspark_version").asText()).isEqualTo(ModelPackage.PYSPARK_VERSION);
    JsonNode inputs = new ObjectMapper().readTree(mlmodel.at("/signature/inputs").asText());
    assertThat(inputs.findValuesAsText("name")).containsExactly("x", "city");
    assertThat(local.resolve("treeline.json")).exists();
    assertThat(local.resolve("requirements.txt")).exists();
    PipelineModel loaded = PipelineModel.load(local.resolve("sparkml").toString());
    List<Row> expected = model().transform(data).select("probability").collectAsList();
    assertThat(loaded.transform(data).select("probability").collectAsList()).isEqualTo(expected);
  }

  @Test
  void aliases_move_resolve_and_disappear() {
    String name = newModelName();
    registry().register(name, logRun(0.7), "model", Map.of());
    registry().register(name, logRun(0.8), "model", Map.of());

    registry().setAlias(name, "champion", 1);
    registry().setAlias(name, "challenger", 2);
    assertThat(registry().resolve(ModelRef.parse(name + "@champion")).version()).isEqualTo(1);
    registry().setAlias(name, "champion", 2);
    ModelVersion champion = registry().resolve(ModelRef.parse(name + "@champion"));
    assertThat(champion.version()).isEqualTo(2);
    assertThat(champion.aliases()).containsExactly("challenger", "champion");
    assertThat(registry().versions(name, Map.of())).extracting(ModelVersion::aliases)
        .containsExactly(List.of("challenger", "champion"), List.of());
    assertThat(registry().resolve(ModelRef.parse(name)).aliases()).containsExactly("challenger", "champion");
    assertThat(registry().models()).filteredOn(m -> m.name().equals(name)).singleElement()
        .satisfies(m -> assertThat(m.aliases()).containsEntry("champion", 2L).containsEntry("challenger", 2L));

    registry().deleteAlias(name, "challenger");
    assertThatThrownBy(() -> registry().resolve(ModelRef.parse(name + "@challenger")))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("alias 'challenger' is not set").hasMessageContaining("champion");
  }

  @Test
  void unknown_models_versions_and_aliases_are_clear_errors() {
    String name = newModelName();
    registry().register(name, logRun(0.7), "model", Map.of());

    assertThatThrownBy(() -> registry().resolve(ModelRef.parse(name + "-nope@champion")))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("model " + name + "-nope").hasMessageContaining("no model of that name");
    assertThatThrownBy(() -> registry().resolve(ModelRef.parse(name + "/7")))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("version 7 does not exist (versions 1 to 1)");
    assertThatThrownBy(() -> registry().resolve(ModelRef.parse(name + "@champion")))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("alias 'champion' is not set (it has no aliases)");
    assertThatThrownBy(() -> registry().setAlias(name, "champion", 3))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("version 3 does not exist");
    assertThatThrownBy(() -> registry().deleteAlias(name, "champion"))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("alias 'champion' is not set");
    assertThatThrownBy(() -> registry().versions(name + "-nope", Map.of()))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("no model of that name");
  }

  @Test
  void versions_carry_tags_and_are_searched_by_them() {
    String name = newModelName();
    registry().register(name, logRun(0.7), "model", Map.of("stage", "candidate", "team", "delays"));
    registry().register(name, logRun(0.8), "model", Map.of("team", "delays"));
    registry().setVersionTag(name, 2, "stage", "approved");

    assertThat(registry().resolve(ModelRef.parse(name + "/1")).tags()).containsEntry("stage", "candidate").containsEntry("team", "delays");
    assertThat(registry().versions(name, Map.of("stage", "approved"))).extracting(ModelVersion::version).containsExactly(2L);
    assertThat(registry().versions(name, Map.of("team", "delays"))).extracting(ModelVersion::version).containsExactly(2L, 1L);
    assertThat(registry().versions(name, Map.of("team", "other"))).isEmpty();
  }

  @Test
  void concurrent_registrations_get_distinct_version_numbers() throws Exception {
    String name = newModelName();
    List<LoggedRun> runs = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      runs.add(logRun(0.6 + i / 100.0));
    }
    ExecutorService pool = Executors.newFixedThreadPool(runs.size());
    try {
      List<Future<ModelVersion>> futures = new ArrayList<>();
      for (LoggedRun run : runs) {
        Callable<ModelVersion> register = () -> concurrentRegistry().register(name, run, "model", Map.of());
        futures.add(pool.submit(register));
      }
      Set<Long> versions = new TreeSet<>();
      for (Future<ModelVersion> future : futures) {
        versions.add(future.get().version());
      }
      assertThat(versions).containsExactly(1L, 2L, 3L, 4L);
    } finally {
      pool.shutdownNow();
    }
    assertThat(registry().versions(name, Map.of())).hasSize(4);
  }

  /** A registry for one of several concurrent writers; an independent client where that matters. */
  protected ModelRegistry concurrentRegistry() {
    return registry();
  }

  @Test
  void promote_if_better_moves_the_alias_only_for_a_better_version_and_rollback_walks_back() {
    String name = newModelName();
    Promotion promotion = new Promotion(registry());
    ModelVersion v1 = registry().register(name, logRun(0.70), "model", Map.of());
    Promotion.Decision first = promotion.promoteIfBetter(v1, "champion", "test_auc", false);
    assertThat(first.promoted()).isTrue();
    assertThat(first.explanation()).contains("had no @champion");

    ModelVersion v2 = registry().register(name, logRun(0.65), "model", Map.of());
    Promotion.Decision worse = promotion.promoteIfBetter(v2, "champion", "test_auc", false);
    assertThat(worse.promoted()).isFalse();
    assertThat(worse.explanation()).contains("Kept " + name + "@champion at version 1").contains("0.6500 against 0.7000");
    assertThat(registry().resolve(ModelRef.parse(name + "@champion")).version()).isEqualTo(1);

    ModelVersion v3 = registry().register(name, logRun(0.75), "model", Map.of());
    assertThat(promotion.promoteIfBetter(v3, "champion", "test_auc", false).promoted()).isTrue();
    assertThat(registry().resolve(ModelRef.parse(name + "@champion")).version()).isEqualTo(3);
    // log loss is lower-is-better: v2 (0.35) beats v3 (0.25)? no — 0.35 is worse
    assertThat(promotion.promoteIfBetter(v2, "champion", "test_log_loss", true).promoted()).isFalse();

    Promotion.Move back = promotion.rollback(name, "champion");
    assertThat(back.after()).isEqualTo(1);
    assertThat(registry().resolve(ModelRef.parse(name + "@champion")).version()).isEqualTo(1);
    assertThatThrownBy(() -> promotion.rollback(name, "champion"))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("nothing to roll back to");
    assertThatThrownBy(() -> promotion.promoteIfBetter(v3, "champion", "test_rmse", true))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("has no metric test_rmse").hasMessageContaining("test_auc");
  }

}
