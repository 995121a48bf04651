package io.treeline.jobs.models;

import static io.treeline.jobs.JobsTestSupport.cli;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.treeline.core.lake.TableName;
import io.treeline.core.testing.TempLake;
import io.treeline.core.testing.TestSpark;
import io.treeline.jobs.JobsTestSupport.CliRun;
import io.treeline.jobs.TrainedSlice;
import io.treeline.jobs.notebooks.Notebooks;
import io.treeline.registry.MlflowServer;
import io.treeline.registry.PythonEnv;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `treeline train --register --promote-if-better` and `treeline models …` on the flights slice,
 * with the lake registry and with a real MLflow server; then a Python user loads the MLflow
 * champion with mlflow.pyfunc and gets Treeline's predictions.
 */
class RegistryCommandsTest {
  private static final Path CONF = TrainedSlice.CONF;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static TempLake lake;

  @TempDir Path dir;

  /** The trained slice (its own flight-delay model stays out of the way: these tests train other names). */
  @BeforeAll
  static void lakeWithFeatures() {
    lake = TrainedSlice.copy();
  }

  @AfterAll
  static void cleanUp() {
    lake.close();
  }

  private static String[] args(List<String> conf, String... command) {
    List<String> all = new ArrayList<>(List.of(command));
    all.addAll(List.of("--conf", "lake.root=" + lake.root(), "--conf", "features.dir=" + CONF.resolve("features"),
        "--conf", "pipelines.dir=" + CONF.resolve("pipelines")));
    conf.forEach(c -> all.addAll(List.of("--conf", c)));
    return all.toArray(String[]::new);
  }

  /** The reference classifier on the 14-day slice; a weaker forest when {@code weak}. */
  private Path pipeline(String name, boolean weak) throws IOException {
    String text = Files.readString(CONF.resolve("pipelines/flight-delay.yaml"))
        .replace("train_until: 2001-05-01", "train_until: 2001-01-10")
        .replace("validate_until: 2001-06-01", "validate_until: 2001-01-12")
        .replace("numTrees: 40", weak ? "numTrees: 1" : "numTrees: 6")
        .replace("maxDepth: 8", weak ? "maxDepth: 2" : "maxDepth: 6")
        .replace("min: 0.65", "min: 0.5")
        .replace("name: flight-delay\n", "name: " + name + "\n");
    return Files.writeString(dir.resolve(name + (weak ? "-weak" : "") + ".yaml"), text);
  }

  @Test
  void lake_registry_train_registers_promotes_only_when_better_and_models_commands_show_compare_promote_and_roll_back()
      throws IOException {
    List<String> lakeRegistry = List.of("registry.type=lake");
    CliRun first = cli(args(lakeRegistry, "train", "--pipeline", pipeline("delay-lake", false).toString(), "--promote-if-better", "auc"));
    assertThat(first.exitCode()).as(first.err()).isZero();
    assertThat(first.out()).contains("registered delay-lake/1").contains("Promoted delay-lake/1 to @champion")
        .contains("run recorded in the lake registry");

    // The weaker forest trains on the first run's training set (same spine and features), as a tuning loop would.
    CliRun second = cli(args(lakeRegistry, "train", "--pipeline", pipeline("delay-lake", true).toString(), "--promote-if-better", "auc",
        "--training-set", "training.delay_lake"));
    assertThat(second.exitCode()).as(second.err()).isZero();
    assertThat(second.out()).contains("trained on training.delay_lake, built earlier from ", "registered delay-lake/2").containsPattern(
        "Kept delay-lake@champion at version 1: version 2 does not beat it, test_auc = 0\\.\\d{4} against 0\\.\\d{4} for version 1");

    CliRun list = cli(args(lakeRegistry, "models", "list", "delay-lake"));
    assertThat(list.exitCode()).as(list.err()).isZero();
    assertThat(list.out()).containsPattern("(?m)^\\s+2  READY .*auc 0\\.\\d{4}\\s*$").containsPattern("(?m)^\\s+1  READY .*champion$");
    assertThat(cli(args(lakeRegistry, "models", "list")).out()).containsPattern("delay-lake\\s+2  champion→1");

    CliRun describe = cli(args(lakeRegistry, "models", "describe", "delay-lake@champion"));
    assertThat(describe.exitCode()).as(describe.err()).isZero();
    assertThat(describe.out()).contains("version:      1 (READY)", "aliases:      champion", "training.delay_lake at Delta version",
        "origin_delays by [origin]", "treeline.spec_sha256 = ").containsPattern("test_auc\\s+0\\.\\d{4}");

    CliRun compare = cli(args(lakeRegistry, "models", "compare", "delay-lake", "champion", "2"));
    assertThat(compare.exitCode()).as(compare.err()).isZero();
    assertThat(compare.out()).containsPattern("test_auc\\s+0\\.\\d{4}\\s+0\\.\\d{4}\\s+-0\\.\\d{4} A better")
        .contains("training inputs: the same");

    CliRun promote = cli(args(lakeRegistry, "models", "promote", "delay-lake", "--version", "2", "--alias", "champion"));
    assertThat(promote.out()).contains("delay-lake@champion → version 2 (was version 1)");
    CliRun rollback = cli(args(lakeRegistry, "models", "rollback", "delay-lake"));
    assertThat(rollback.exitCode()).as(rollback.err()).isZero();
    assertThat(rollback.out()).contains("delay-lake@champion → version 1 (was version 2)");

    CliRun unknown = cli(args(lakeRegistry, "models", "describe", "delay-lak@champion"));
    assertThat(unknown.exitCode()).isEqualTo(2);
    assertThat(unknown.err()).contains("Cannot resolve model delay-lak: no model of that name is registered").contains("Did you mean 'delay-lake'?");
    CliRun noAlias = cli(args(lakeRegistry, "models", "describe", "delay-lake@staging"));
    assertThat(noAlias.err()).contains("alias 'staging' is not set (its aliases: champion)");
    CliRun badMetric = cli(args(lakeRegistry, "train", "--pipeline", pipeline("delay-lake", false).toString(), "--promote-if-better", "rmse"));
    assertThat(badMetric.exitCode()).isEqualTo(2);
    assertThat(badMetric.err()).contains("its model does not report test_rmse");
  }

  @Test
  void mlflow_train_logs_the_run_registers_and_promotes_and_python_predicts_with_the_champion_exactly_as_spark()
      throws Exception {
    MlflowServer server = MlflowServer.shared();
    List<String> mlflow = List.of("registry.type=mlflow", "registry.mlflow.tracking-uri=" + server.url());
    CliRun first = cli(args(mlflow, "train", "--pipeline", pipeline("delay-mlflow", false).toString(), "--register",
        "--promote-if-better", "auc"));
    assertThat(first.exitCode()).as(first.err()).isZero();
    assertThat(first.out()).contains("registered delay-mlflow/1").contains("Promoted delay-mlflow/1 to @champion");
    CliRun second = cli(args(mlflow, "train", "--pipeline", pipeline("delay-mlflow", true).toString(), "--promote-if-better", "auc",
        "--training-set", "training.delay_mlflow"));
    assertThat(second.exitCode()).as(second.err()).isZero();
    assertThat(second.out()).contains("registered delay-mlflow/2").contains("Kept delay-mlflow@champion at version 1");

    // What MLflow's UI shows comes from these API answers.
    JsonNode champion = get(server, "registered-models/alias", Map.of("name", "delay-mlflow", "alias", "champion"))
        .path("model_version");
    assertThat(champion.path("version").asText()).isEqualTo("1");
    JsonNode run = get(server, "runs/get", Map.of("run_id", champion.path("run_id").asText())).path("run");
    assertThat(run.at("/info/status").asText()).isEqualTo("FINISHED");
    assertThat(run.at("/info/run_name").asText()).startsWith("delay-mlflow-");
    List<String> metricKeys = run.at("/data/metrics").findValuesAsText("key");
    assertThat(metricKeys).contains("test_auc", "validation_auc", "test_log_loss", "raw_columns_test_auc");
    assertThat(run.at("/data/tags").findValuesAsText("key")).contains("treeline.spec_sha256", "treeline.run_id");
    assertThat(run.at("/data/params").findValuesAsText("key")).contains("numTrees", "maxDepth", "training_set");
    JsonNode experiment = get(server, "experiments/get-by-name", Map.of("experiment_name", "delay-mlflow"));
    assertThat(experiment.at("/experiment/experiment_id").asText()).isEqualTo(run.at("/info/experiment_id").asText());
    List<String> artifacts = get(server, "artifacts/list", Map.of("run_id", run.at("/info/run_id").asText())).path("files").findValuesAsText("path");
    assertThat(artifacts).contains("model", "plots", "report.md", "metrics.json", "spec.yaml");
    List<String> plots = get(server, "artifacts/list", Map.of("run_id", run.at("/info/run_id").asText(), "path", "plots")).path("files")
        .findValuesAsText("path");
    assertThat(plots).contains("plots/roc.png", "plots/feature_importances.png");

    // Batch scoring with the MLflow champion; Python's pyfunc, spark_udf and Spark's transform must agree with it on the same inputs.
    CliRun scored = cli(args(mlflow, "score", "--model", "delay-mlflow@champion", "--sql",
        "select * from raw.flights where departure_date = '2001-01-13'", "--event-time", "departure_time", "--out", "scores.delay_mlflow",
        "--with-features"));
    assertThat(scored.exitCode()).as(scored.err()).isZero();
    assertThat(scored.out()).contains("rows with delay-mlflow/1 into scores.delay_mlflow");
    pythonPredictsLikeSpark(server, "models:/delay-mlflow@champion");

    // The training-runs notebook reads the same two versions from MLflow (the quickstart test runs it on the lake registry).
    String notebook = "02-training-runs-and-models.ipynb";
    Notebooks.Execution execution = Notebooks.execute("mlflow-registry", List.of(notebook), Map.of("TREELINE_LAKE_ROOT", lake.root().toString(),
        "TREELINE_REGISTRY_TYPE", "mlflow", "MLFLOW_TRACKING_URI", server.url(), "TREELINE_MODEL", "delay-mlflow"), 10);
    assertThat(execution.exitCode()).as(execution.output()).isZero();
    assertThat(Notebooks.outputs("mlflow-registry", notebook)).contains("registry: mlflow · model: delay-mlflow",
        "aliases: version 1: champion; version 2: none", "2 - 1").doesNotContain("only one registered version");
  }

  /** A few hundred rows `treeline score` scored, through mlflow.pyfunc and spark_udf in Python and through Spark here. */
  private void pythonPredictsLikeSpark(MlflowServer server, String modelUri) throws Exception {
    Path local = dir.resolve("champion");
    CliRun describe = cli(args(List.of("registry.type=mlflow", "registry.mlflow.tracking-uri=" + server.url()),
        "models", "describe", "delay-mlflow@champion"));
    assertThat(describe.exitCode()).as(describe.err()).isZero();
    io.treeline.registry.mlflow.MlflowRegistry registry = new io.treeline.registry.mlflow.MlflowRegistry(server.url(),
        io.treeline.registry.mlflow.MlflowCredentials.fromEnvironment(), io.treeline.registry.mlflow.RetryPolicy.DEFAULT,
        TestSpark.session().sparkContext().hadoopConfiguration());
    io.treeline.registry.ModelVersion version = registry.resolve(io.treeline.registry.ModelRef.parse("delay-mlflow@champion"));
    registry.download(version, local);
    JsonNode schema = JSON.readTree(local.resolve("treeline.json").toFile()).path("input_schema");
    List<String> columns = schema.findValuesAsText("name");

    Dataset<Row> scores = TestSpark.session().read().format("delta").load(lake.layout().table(new TableName("scores", "delay_mlflow")))
        .orderBy("flight_id").limit(300).cache();
    List<Double> batchScored = scores.select("prediction").collectAsList().stream().map(r -> r.getDouble(0)).toList();
    Dataset<Row> rows = scores.selectExpr(columns.stream().map(c -> "`" + c + "`").toArray(String[]::new));
    for (JsonNode column : schema) {
      rows = rows.withColumn(column.path("name").asText(), rows.col(column.path("name").asText()).cast(column.path("type").asText()));
    }
    Path jsonl = dir.resolve("rows.jsonl");
    List<String> lines = new ArrayList<>();
    for (Row row : rows.collectAsList()) {
      Map<String, Object> record = new LinkedHashMap<>();
      for (String column : columns) {
        record.put(column, row.getAs(column));
      }
      lines.add(JSON.writeValueAsString(record));
    }
    Files.write(dir.resolve("rows.jsonl"), lines);
    Files.writeString(dir.resolve("schema.json"), schema.toString());

    Path out = dir.resolve("predictions.json");
    Path script = Path.of("src", "test", "python", "pyfunc_predict.py").toAbsolutePath();
    ProcessBuilder python = new ProcessBuilder(PythonEnv.bin("python").toString(), script.toString(), modelUri, jsonl.toString(),
        dir.resolve("schema.json").toString(), out.toString()).redirectErrorStream(true).redirectOutput(dir.resolve("python.log").toFile());
    python.environment().put("MLFLOW_TRACKING_URI", server.url());
    python.environment().put("JAVA_HOME", System.getProperty("java.home"));
    Process process = python.start();
    assertThat(process.waitFor(5, TimeUnit.MINUTES)).as("python finished").isTrue();
    assertThat(process.exitValue()).as(Files.readString(dir.resolve("python.log"))).isZero();

    JsonNode predicted = JSON.readTree(out.toFile());
    List<Row> spark = PipelineModel.load(local.resolve("sparkml").toString()).transform(rows).select("prediction", "probability").collectAsList();
    assertThat(predicted.path("pyfunc")).hasSize(300);
    assertThat(predicted.path("spark_udf")).hasSize(300);
    for (int i = 0; i < spark.size(); i++) {
      assertThat(predicted.path("pyfunc").get(i).asDouble()).as("row %d", i).isEqualTo(spark.get(i).getDouble(0));
      assertThat(predicted.path("spark_udf").get(i).asDouble()).as("spark_udf row %d", i).isEqualTo(batchScored.get(i));
      assertThat(spark.get(i).getDouble(0)).as("treeline score row %d", i).isEqualTo(batchScored.get(i));
      assertThat(predicted.path("probability").get(i).asDouble()).as("row %d", i)
          .isCloseTo(((Vector) spark.get(i).get(1)).apply(1), org.assertj.core.data.Offset.offset(1e-12));
    }
  }

  private static JsonNode get(MlflowServer server, String path, Map<String, String> query) throws IOException, InterruptedException {
    StringBuilder url = new StringBuilder(server.url() + "/api/2.0/mlflow/" + path + "?");
    query.forEach((k, v) -> url.append(k).append('=').append(URLEncoder.encode(v, StandardCharsets.UTF_8)).append('&'));
    HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url.toString())).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return JSON.readTree(response.body());
  }
}
