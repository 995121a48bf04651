package io.treeline.jobs.score;

import static io.treeline.jobs.JobsTestSupport.cli;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.delta.tables.DeltaTable;
import io.treeline.core.lake.TableName;
import io.treeline.core.testing.TempLake;
import io.treeline.core.testing.TestSpark;
import io.treeline.jobs.JobsTestSupport.CliRun;
import io.treeline.jobs.TrainedSlice;
import io.treeline.jobs.runtime.JobContext;
import io.treeline.jobs.runtime.Progress;
import io.treeline.jobs.serve.ServeModels;
import io.treeline.registry.ModelRef;
import io.treeline.registry.ModelVersion;
import io.treeline.serving.ServingApp;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * `treeline score` on the flights slice with a model trained on its first ten days: the features
 * each row gets are the training set's, the compiled scoring equals Spark's transform and the
 * server's answer, reruns replace exactly their range, and bad input writes nothing.
 */
class ScoreBatchTest {
  private static final Path CONF = TrainedSlice.CONF;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String DAY_13 = "select * from raw.flights where departure_date = '2001-01-13'";
  private static TempLake lake;

  @BeforeAll
  static void trainedLake() {
    lake = TrainedSlice.copy();
  }

  @AfterAll
  static void cleanUp() {
    lake.close();
  }

  private static String[] args(String... command) {
    return TrainedSlice.args(lake, command);
  }

  private static Dataset<Row> table(String name) {
    return TestSpark.session().read().format("delta").load(lake.layout().table(TableName.parse(name)));
  }

  @Test
  void scores_a_day_with_the_training_sets_features_and_records_model_and_inputs() throws Exception {
    Path summary = Files.createTempFile("score", ".json");
    CliRun run = cli(args("score", "--model", "flight-delay@champion", "--sql", DAY_13, "--event-time", "departure_time",
        "--out", "scores.day13", "--with-features", "--summary-json", summary.toString()));
    assertThat(run.exitCode()).as(run.err()).isZero();
    long inputRows = TestSpark.session().sql(DAY_13).count();
    assertThat(run.out()).containsPattern("Scored [\\d,]+ rows with flight-delay/1 into scores.day13 \\(overwrite\\)");
    JsonNode written = JSON.readTree(summary.toFile()).path("result");
    assertThat(written.path("rows").asLong()).isEqualTo(inputRows).isPositive();
    assertThat(written.path("version").asLong()).isEqualTo(1);
    assertThat(written.path("input_versions").has("raw.flights")).isTrue();
    assertThat(written.path("phase_seconds").has("load_model")).isTrue();

    Dataset<Row> scores = table("scores.day13");
    assertThat(scores.columns()).startsWith("flight_id", "departure_time", "departure_date", "origin", "destination", "distance",
        "arrival_delay", "prediction", "probability", "model_name", "model_version", "run_id", "scored_at");
    assertThat(scores.groupBy("model_name", "model_version").count().collectAsList()).map(Row::toString)
        .containsExactly("[flight-delay,1," + inputRows + "]");
    for (String condition : List.of("probability between 0 and 1", "prediction in (0, 1)", "run_id is not null", "scored_at is not null")) {
      assertThat(scores.where(condition).count()).as(condition + " in " + scores.limit(3).collectAsList()).isEqualTo(inputRows);
    }
    Map<String, String> properties = DeltaTable.forPath(TestSpark.session(), lake.layout().table(TableName.parse("scores.day13"))).detail()
        .first().getJavaMap(DeltaTable.forPath(TestSpark.session(), lake.layout().table(TableName.parse("scores.day13"))).detail()
            .schema().fieldIndex("properties"));
    assertThat(properties).containsEntry("treeline.model", "flight-delay").containsEntry("treeline.model_version", "1")
        .containsKey("treeline.input.raw.flights.version").containsKey("treeline.run_id");

    // The same flights in the training set got their features from the same join at training time: equal, value for value.
    List<String> featureColumns = List.of(table("training.flight_delay").columns()).stream().filter(c -> c.contains("__")).toList();
    assertThat(featureColumns).isNotEmpty();
    String[] compared = featureColumns.stream().map(c -> "`" + c + "`").toArray(String[]::new);
    Dataset<Row> fromScores = scores.selectExpr(concat("flight_id", compared));
    Dataset<Row> fromTraining = table("training.flight_delay").where("departure_date = '2001-01-13'").selectExpr(concat("flight_id", compared));
    assertThat(fromScores.exceptAll(fromTraining).count()).isZero();
    assertThat(fromTraining.exceptAll(fromScores).count()).isZero();

    CliRun sql = cli(args("sql", "select model_version, count(*) n from scores.day13 group by model_version"));
    assertThat(sql.exitCode()).as(sql.err()).isZero();
    assertThat(sql.out()).contains(Long.toString(inputRows));
  }

  @Test
  void the_compiled_scoring_equals_spark_transform_and_the_served_answer() throws Exception {
    SparkSession spark = TestSpark.session();
    ByteArrayOutputStream sink = new ByteArrayOutputStream();
    try (JobContext context = new JobContext(lake.config(Map.of("features.dir", CONF.resolve("features").toString())),
        new PrintStream(sink, true, StandardCharsets.UTF_8), Progress.silent())) {
      ModelVersion version = context.registry().resolve(ModelRef.parse("flight-delay@champion"));
      ScoringModel model = ScoringModel.load(spark, context.registry(), context.layout(), version);
      ScoringInput input = new ScoringInput(null, "select * from raw.flights where departure_date >= '2001-01-12'", "departure_time", null);
      Dataset<Row> rows = ScoreBatch.prepare(spark, context, model.manifest(), model.compiled(), input).rows().orderBy("flight_id").cache();
      List<Row> compiled = ScoreBatch.score(spark, rows, model.pipeline(), model.compiled()).orderBy("flight_id")
          .select("flight_id", ScoreBatch.PREDICTION, ScoreBatch.PROBABILITY).collectAsList();
      List<Row> transformed = model.pipeline().transform(ScoreBatch.typedInPlace(rows, model.compiled())).orderBy("flight_id").select("flight_id", "prediction", "probability").collectAsList();
      assertThat(compiled).hasSize(transformed.size()).hasSizeGreaterThan(1000);
      for (int i = 0; i < compiled.size(); i++) {
        assertThat(compiled.get(i).get(0)).isEqualTo(transformed.get(i).get(0));
        assertThat(compiled.get(i).getDouble(1)).as("label of flight %s", compiled.get(i).get(0)).isEqualTo(transformed.get(i).getDouble(1));
        assertThat(compiled.get(i).getDouble(2)).as("probability of flight %s", compiled.get(i).get(0))
            .isCloseTo(((Vector) transformed.get(i).get(2)).apply(1), within(1e-9));
      }

      // The server, given the same inputs in the request, answers the same.
      List<String> inputs = new ArrayList<>(model.compiled().inputs().keySet());
      // A request without a value looks it up in the online store, so only rows with every input present compare like for like.
      String complete = inputs.stream().map(name -> "`" + CompiledScoring.typedName(name) + "` is not null").collect(java.util.stream.Collectors.joining(" and "));
      List<Row> sample = rows.where(complete).limit(200).collectAsList();
      Map<Object, Row> compiledById = new java.util.HashMap<>();
      compiled.forEach(row -> compiledById.put(row.get(0), row));
      ArrayNode records = JSON.createArrayNode();
      for (Row row : sample) {
        ObjectNode record = records.addObject();
        record.put("departure_time", row.getAs("departure_time").toString().replace(' ', 'T'));
        for (String name : inputs) {
          Object value = row.getAs(CompiledScoring.typedName(name));
          if (value instanceof Double d) {
            record.put(name, d);
          } else if (value != null) {
            record.put(name, value.toString());
          }
        }
      }
      try (ServingApp app = ServeModels.start(context, List.of("flight-delay@champion"), 0)) {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(app.baseUrl()
            + "/v1/models/flight-delay/predict")).header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString("{\"records\":" + records + "}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode predictions = JSON.readTree(response.body()).path("predictions");
        assertThat(predictions).hasSize(sample.size()).hasSizeGreaterThan(100);
        for (int i = 0; i < sample.size(); i++) {
          assertThat(predictions.get(i).path("label").asDouble()).as("served label %d: %s -> %s, compiled %s", i, records.get(i), predictions.get(i), compiledById.get(sample.get(i).getAs("flight_id")))
              .isEqualTo(compiledById.get(sample.get(i).getAs("flight_id")).getDouble(1));
          assertThat(predictions.get(i).path("probability").asDouble()).as("served probability %d", i)
              .isCloseTo(compiledById.get(sample.get(i).getAs("flight_id")).getDouble(2), within(1e-9));
        }
      }
    }
  }

  @Test
  void replace_where_reruns_replace_exactly_their_range_and_a_row_outside_it_writes_nothing() {
    for (String day : List.of("2001-01-13", "2001-01-14", "2001-01-13")) {
      CliRun run = cli(args("score", "--model", "flight-delay/1", "--sql", "select * from raw.flights where departure_date = '" + day + "'",
          "--event-time", "departure_time", "--out", "scores.nightly", "--keep", "flight_id,departure_date",
          "--mode", "replace-where=departure_date = '" + day + "'"));
      assertThat(run.exitCode()).as(run.err()).isZero();
    }
    // The nightly CronJob's own options (deploy/k8s/cronjob-score.yaml): "yesterday" in Spark SQL, here a day without flights.
    CliRun yesterday = cli(args("score", "--model", "flight-delay/1", "--sql",
        "select * from raw.flights where departure_date = date_sub(current_date(), 1)", "--event-time", "departure_time",
        "--out", "scores.nightly", "--keep", "flight_id,departure_date", "--mode", "replace-where=departure_date = date_sub(current_date(), 1)"));
    assertThat(yesterday.exitCode()).as(yesterday.err()).isZero();
    assertThat(yesterday.out()).contains("Scored 0 rows");
    Dataset<Row> scores = table("scores.nightly");
    long expected = TestSpark.session().sql("select * from raw.flights where departure_date in ('2001-01-13', '2001-01-14')").count();
    assertThat(scores.count()).isEqualTo(expected);
    assertThat(scores.select("flight_id").distinct().count()).isEqualTo(expected);
    assertThat(scores.columns()).startsWith("flight_id", "departure_date", "prediction");

    long before = DeltaTable.forPath(TestSpark.session(), lake.layout().table(TableName.parse("scores.nightly"))).history(1).first().getLong(0);
    CliRun outside = cli(args("score", "--model", "flight-delay/1", "--sql", "select * from raw.flights where departure_date >= '2001-01-13'",
        "--event-time", "departure_time", "--out", "scores.nightly", "--keep", "flight_id,departure_date",
        "--mode", "replace-where=departure_date = '2001-01-13'"));
    assertThat(outside.exitCode()).isEqualTo(2);
    assertThat(outside.err()).contains("does not match --mode replace-where=departure_date = '2001-01-13'").contains("nothing was written");
    assertThat(DeltaTable.forPath(TestSpark.session(), lake.layout().table(TableName.parse("scores.nightly"))).history(1).first().getLong(0))
        .isEqualTo(before);
  }

  @Test
  void as_of_one_moment_scores_every_row_with_what_was_known_then() {
    CliRun early = cli(args("score", "--model", "flight-delay@champion", "--sql", DAY_13, "--as-of", "2000-12-01",
        "--out", "scores.as_of_early", "--with-features"));
    assertThat(early.exitCode()).as(early.err()).isZero();
    Dataset<Row> scores = table("scores.as_of_early");
    assertThat(scores.where("scored_as_of = timestamp_ntz'2000-12-01 00:00:00'").count()).isEqualTo(scores.count()).isPositive();
    // Nothing was known a month before the data starts: every windowed feature is missing.
    assertThat(scores.where("`origin_delays__avg_delay_1h` is not null or `route_delays__avg_delay_7d` is not null").count()).isZero();

    // One moment for all rows is the same as each row at that moment.
    LocalDateTime moment = LocalDateTime.parse("2001-01-13T12:00:00");
    CliRun asOf = cli(args("score", "--model", "flight-delay@champion", "--sql", DAY_13, "--as-of", moment.toString(),
        "--out", "scores.as_of_noon", "--keep", "flight_id"));
    CliRun column = cli(args("score", "--model", "flight-delay@champion", "--sql",
        "select *, timestamp_ntz'2001-01-13 12:00:00' as noon from raw.flights where departure_date = '2001-01-13'", "--event-time", "noon",
        "--out", "scores.by_column_noon", "--keep", "flight_id"));
    assertThat(asOf.exitCode()).as(asOf.err()).isZero();
    assertThat(column.exitCode()).as(column.err()).isZero();
    Dataset<Row> byMoment = table("scores.as_of_noon").select("flight_id", "prediction", "probability");
    Dataset<Row> byColumn = table("scores.by_column_noon").select("flight_id", "prediction", "probability");
    assertThat(byMoment.exceptAll(byColumn).count()).isZero();
    assertThat(byMoment.count()).isEqualTo(byColumn.count()).isPositive();
  }

  @Test
  void with_log_inferences_every_prediction_is_also_in_the_inference_log_flagged_batch() {
    CliRun run = cli(args("score", "--model", "flight-delay@champion", "--sql", DAY_13, "--event-time", "departure_time",
        "--out", "scores.logged", "--keep", "flight_id", "--log-inferences"));
    assertThat(run.exitCode()).as(run.err()).isZero();
    long rows = TestSpark.session().sql(DAY_13).count();
    assertThat(run.out()).contains(String.format("logged %,d predictions into monitoring.inference_log", rows));

    Dataset<Row> log = table("monitoring.inference_log").where("origin = 'batch' and request_id like 'score-scores.logged-%'");
    assertThat(log.columns()).containsExactly("request_id", "record_index", "logged_at", "date", "origin", "route", "served_name",
        "model_name", "model_version", "run_id", "request", "features", "prediction", "probability", "latency_ms", "server", "arm");
    assertThat(log.count()).isEqualTo(rows);
    assertThat(log.select("request_id").distinct().count()).isEqualTo(rows);
    // The logged prediction of each flight is the one in the score table, and the request is the input row.
    Dataset<Row> logged = log.selectExpr("get_json_object(request, '$.flight_id') as flight_id", "prediction", "probability");
    Dataset<Row> scored = table("scores.logged").select("flight_id", "prediction", "probability");
    assertThat(logged.exceptAll(scored).count()).isZero();
    assertThat(log.where("size(features) = 0 or model_version != 1 or route != 'score'").count()).isZero();
    assertThat(log.selectExpr("explode(features) f").where("f.source = 'online_store' and f.view is null").count()).isZero();
    assertThat(log.selectExpr("explode(features) f").where("f.name = 'departure_hour' and f.source = 'derived'").count()).isEqualTo(rows);
    // Made by batch scoring, the table keeps the log retention the server gives the tables it makes.
    assertThat(TestSpark.session().sql("SHOW TBLPROPERTIES delta.`" + lake.root().resolve("tables/monitoring/inference_log") + "`")
        .where("key = 'delta.logRetentionDuration'").first().getString(1)).isEqualTo(io.treeline.serving.inference.InferenceLogSchema.LOG_RETENTION);
  }

  @Test
  void bad_input_gets_a_clear_error_and_writes_nothing() {
    CliRun unknownModel = cli(args("score", "--model", "flight-delai@champion", "--input", "raw.flights", "--event-time", "departure_time",
        "--out", "scores.bad"));
    assertThat(unknownModel.exitCode()).isEqualTo(2);
    assertThat(unknownModel.err()).contains("Did you mean 'flight-delay'?");

    CliRun missingColumn = cli(args("score", "--model", "flight-delay@champion", "--sql",
        "select flight_id, origin, destination, departure_time from raw.flights", "--event-time", "departure_time", "--out", "scores.bad"));
    assertThat(missingColumn.exitCode()).isEqualTo(2);
    assertThat(missingColumn.err()).contains("the model reads 'distance', which the input does not have");

    CliRun badMode = cli(args("score", "--model", "flight-delay@champion", "--input", "raw.flights", "--event-time", "departure_time",
        "--out", "scores.bad", "--mode", "upsert"));
    assertThat(badMode.exitCode()).isEqualTo(2);
    assertThat(badMode.err()).contains("'upsert' is not a write mode");

    CliRun both = cli(args("score", "--model", "flight-delay@champion", "--input", "raw.flights", "--event-time", "departure_time",
        "--as-of", "2001-01-13", "--out", "scores.bad"));
    assertThat(both.exitCode()).isEqualTo(2);
    assertThat(Files.exists(lake.root().resolve("tables").resolve("scores").resolve("bad"))).isFalse();
    assertThat(DeltaTable.isDeltaTable(TestSpark.session(), lake.layout().table(TableName.parse("scores.bad")))).isFalse();
  }

  private static String[] concat(String first, String[] rest) {
    String[] all = new String[rest.length + 1];
    all[0] = first;
    System.arraycopy(rest, 0, all, 1, rest.length);
    return all;
  }
}
