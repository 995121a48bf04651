package io.treeline.modelpackage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.treeline.core.error.InvalidInputException;
import io.treeline.core.lake.FeatureColumn;
import io.treeline.modelpackage.ModelManifest.FeatureViewDependency;
import io.treeline.modelpackage.ModelManifest.InputColumn;
import io.treeline.modelpackage.ModelManifest.Kind;
import io.treeline.modelpackage.ModelManifest.Monitoring;
import io.treeline.modelpackage.ModelManifest.RequestFeature;
import io.treeline.modelpackage.ModelManifest.TrainingSet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The treeline.json contract: what training writes is what everyone else reads, and old packages keep loading. */
class ModelManifestTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** A treeline.json as `treeline train` wrote it before this module existed (format 1), copied from a test run's lake. */
  private static final Path FORMAT_1 = Path.of("src/test/resources/packages/format-1-flight-delay");

  @TempDir
  Path dir;

  static ModelManifest example() {
    Map<String, Double> metrics = new LinkedHashMap<>();
    metrics.put("validation_auc", 0.71);
    metrics.put("test_auc", 0.7);
    metrics.put("test_lift", Double.NaN);
    return new ModelManifest("flight-delay", "flight-delay-20261203-1", "flight-delay", "random_forest_classifier", 0.5,
        "arrival_delay > 15", "departure_time",
        List.of(new FeatureViewDependency("origin_delays", "features.origin_delays", List.of("origin"), List.of("avg_delay_24h")),
            new FeatureViewDependency("route_delays", "features.route_delays", List.of("origin", "destination"), List.of("avg_delay_7d"))),
        List.of(new RequestFeature("origin", Kind.CATEGORICAL, null), new RequestFeature("departure_hour", Kind.NUMERIC, "hour(departure_time)")),
        Map.of("departure", "departure_time"),
        List.of(new InputColumn("departure_hour", "double"), new InputColumn("origin_delays__avg_delay_24h", "double"),
            new InputColumn("route_delays__avg_delay_7d", "double"), new InputColumn("origin", "string")),
        new TrainingSet("training.flight_delay", 3), Map.of("raw.flights", 7L, "features.origin_delays", 2L), metrics,
        Map.of("treeline", "0.1.0-SNAPSHOT", "spark", "4.2.0"), Instant.parse("2026-12-03T14:02:45.837530442Z"));
  }

  @Test
  void a_written_manifest_reads_back_equal() {
    ModelManifest written = example();
    written.write(dir);

    assertThat(ModelManifest.read(dir)).isEqualTo(written);
  }

  @Test
  void the_file_has_the_documented_fields_in_their_format_1_layout() throws IOException {
    example().write(dir);
    JsonNode doc = JSON.readTree(dir.resolve("treeline.json").toFile());

    List<String> keys = new ArrayList<>();
    doc.fieldNames().forEachRemaining(keys::add);
    assertThat(keys).containsExactly("format_version", "pipeline", "run_id", "registered_model", "model_type", "threshold", "label",
        "event_time", "feature_views", "request_features", "request_aliases", "input_schema", "entity_keys", "training_set",
        "training_inputs", "metrics", "versions", "created_at");
    assertThat(doc.get("format_version").asInt()).isEqualTo(1);
    assertThat(doc.at("/feature_views/1").toString())
        .isEqualTo("{\"view\":\"route_delays\",\"offline_table\":\"features.route_delays\",\"entities\":[\"origin\",\"destination\"],"
            + "\"features\":[\"avg_delay_7d\"]}");
    assertThat(doc.at("/request_features/0").toString()).isEqualTo("{\"name\":\"origin\",\"kind\":\"categorical\"}");
    assertThat(doc.at("/request_features/1/expr").asText()).isEqualTo("hour(departure_time)");
    assertThat(doc.get("entity_keys").toString()).isEqualTo("[\"origin\",\"destination\"]");
    assertThat(doc.get("training_set").toString()).isEqualTo("{\"table\":\"training.flight_delay\",\"delta_version\":3}");
    assertThat(doc.at("/metrics/test_lift").asText()).isEqualTo("NaN");
    assertThat(doc.get("created_at").asText()).isEqualTo("2026-12-03T14:02:45.837530442Z");
  }

  @Test
  void a_package_written_by_format_1_training_still_loads() {
    ModelManifest manifest = ModelManifest.read(FORMAT_1);

    assertThat(manifest.pipeline()).isEqualTo("flight-delay");
    assertThat(manifest.classifier()).isTrue();
    assertThat(manifest.featureViews()).hasSize(6);
    assertThat(manifest.featureViews().get(3).columns()).first().isEqualTo(new FeatureColumn("route_delays", "flights_7d"));
    assertThat(manifest.entityKeys()).containsExactly("origin", "destination");
    assertThat(manifest.requestFeatures()).contains(new RequestFeature("day_of_week", Kind.NUMERIC, "dayofweek(departure_time)"));
    assertThat(manifest.requestAliases()).containsEntry("departure", "departure_time");
    assertThat(manifest.inputSchema()).hasSize(33).contains(new InputColumn("origin_airport__state", "string"));
    assertThat(manifest.trainingSet()).isEqualTo(new TrainingSet("training.flight_delay", 0));
    assertThat(manifest.trainingInputs()).containsEntry("raw.flights", 0L);
    assertThat(manifest.metrics().keySet()).startsWith("validation_auc", "validation_auc_pr");
    assertThat(manifest.metrics()).containsEntry("test_auc", 0.6029498178399344);
    assertThat(manifest.versions()).containsEntry("git_commit", "038d20d8e8aa85344853d34ef44e47cc4b679b40");
  }

  @Test
  void rewriting_a_format_1_package_keeps_its_document() throws IOException {
    ModelManifest.read(FORMAT_1).write(dir);

    assertThat(JSON.readTree(dir.resolve("treeline.json").toFile())).isEqualTo(JSON.readTree(FORMAT_1.resolve("treeline.json").toFile()));
  }

  @Test
  void monitoring_thresholds_are_written_only_as_given_and_read_back() throws IOException {
    ModelManifest m = example();
    ModelManifest withThresholds = new ModelManifest(m.pipeline(), m.runId(), m.registeredModel(), m.modelType(), m.threshold(), m.calibration(), m.label(),
        m.eventTime(), m.featureViews(), m.requestFeatures(), m.requestAliases(), m.inputSchema(), m.trainingSet(), m.trainingInputs(),
        m.metrics(), m.versions(), m.createdAt(), new Monitoring(null, Map.of("distance", 0.1), 0.02, null));
    withThresholds.write(dir);

    assertThat(ModelManifest.read(dir)).isEqualTo(withThresholds);
    assertThat(JSON.readTree(dir.resolve("treeline.json").toFile()).get("monitoring").toString())
        .isEqualTo("{\"drift\":{\"feature_thresholds\":{\"distance\":0.1}},\"skew\":{\"threshold\":0.02}}");
    assertThat(ModelManifest.read(FORMAT_1).monitoring()).isEqualTo(Monitoring.NONE);
  }

  private static ModelManifest deciding(double threshold, Calibration calibration) {
    ModelManifest m = example();
    return new ModelManifest(m.pipeline(), m.runId(), m.registeredModel(), m.modelType(), threshold, calibration, m.label(), m.eventTime(),
        m.featureViews(), m.requestFeatures(), m.requestAliases(), m.inputSchema(), m.trainingSet(), m.trainingInputs(), m.metrics(),
        m.versions(), m.createdAt(), m.monitoring());
  }

  @Test
  void a_calibration_reads_back_bit_for_bit_in_format_2() throws IOException {
    Calibration isotonic = new Calibration.Isotonic(new double[] {0.0, 0.1 + 0.2, 0.30000000000000004, 0.9}, new double[] {0.01, 0.2, 1.0 / 3, 0.97});
    for (Calibration calibration : List.of(isotonic, new Calibration.Platt(4.123456789012345, -2.5e-17))) {
      ModelManifest written = deciding(0.2371, calibration);
      written.write(dir);

      ModelManifest read = ModelManifest.read(dir);
      assertThat(read).isEqualTo(written);
      for (double p = 0; p <= 1; p += 0.0625) {
        assertThat(Double.doubleToRawLongBits(read.decision().probability(p))).isEqualTo(Double.doubleToRawLongBits(calibration.apply(p)));
      }
      JsonNode doc = JSON.readTree(dir.resolve("treeline.json").toFile());
      assertThat(doc.get("format_version").asInt()).isEqualTo(2);
      assertThat(doc.at("/calibration/method").asText()).isEqualTo(calibration.method());
    }
  }

  @Test
  void only_a_package_an_older_reader_would_answer_wrongly_is_written_as_format_2() throws IOException {
    deciding(0.5, Calibration.NONE).write(dir);
    assertThat(JSON.readTree(dir.resolve("treeline.json").toFile()).get("format_version").asInt()).isEqualTo(1);
    assertThat(JSON.readTree(dir.resolve("treeline.json").toFile()).has("calibration")).isFalse();

    deciding(0.31, Calibration.NONE).write(dir);
    assertThat(JSON.readTree(dir.resolve("treeline.json").toFile()).get("format_version").asInt()).isEqualTo(2);
    assertThat(ModelManifest.read(FORMAT_1).decision()).isEqualTo(Decision.DEFAULT);
  }

  @Test
  void a_broken_calibration_is_refused_naming_its_key() throws IOException {
    ObjectNode doc = (ObjectNode) JSON.readTree(deciding(0.3, new Calibration.Isotonic(new double[] {0, 1}, new double[] {0.1, 0.8})).toJson());
    ((com.fasterxml.jackson.databind.node.ArrayNode) doc.at("/calibration/y")).set(1, 0.05);

    assertThatThrownBy(() -> ModelManifest.parse(JSON.writeValueAsBytes(doc), "t.json"))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageStartingWith("Cannot read the model package file t.json: key 'calibration.method' is invalid: isotonic calibration points must be");
    doc.putObject("calibration").put("method", "beta");
    assertThatThrownBy(() -> ModelManifest.parse(JSON.writeValueAsBytes(doc), "t.json"))
        .hasMessage("Cannot read the model package file t.json: key 'calibration.method' is invalid: 'beta' is not one of platt, isotonic");
  }

  @Test
  void a_package_trained_before_request_aliases_existed_loads_with_none() throws IOException {
    ObjectNode doc = (ObjectNode) JSON.readTree(FORMAT_1.resolve("treeline.json").toFile());
    doc.remove("request_aliases");

    assertThat(ModelManifest.parse(JSON.writeValueAsBytes(doc), "old/treeline.json").requestAliases()).isEmpty();
  }

  @Test
  void a_missing_required_key_is_refused_naming_the_file_and_the_key() throws IOException {
    ObjectNode doc = (ObjectNode) JSON.readTree(example().toJson());
    doc.remove("model_type");
    Files.write(dir.resolve("treeline.json"), JSON.writeValueAsBytes(doc));

    assertThatThrownBy(() -> ModelManifest.read(dir))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("Cannot read the model package file " + dir.resolve("treeline.json") + ": the required key 'model_type' is missing");
  }

  @Test
  void a_missing_nested_key_is_named_by_its_path() throws IOException {
    ObjectNode doc = (ObjectNode) JSON.readTree(example().toJson());
    ((ObjectNode) doc.at("/feature_views/1")).remove("entities");

    assertThatThrownBy(() -> ModelManifest.parse(JSON.writeValueAsBytes(doc), "models/delay/3/treeline.json"))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("Cannot read the model package file models/delay/3/treeline.json: the required key 'feature_views[1].entities' is missing");
  }

  @Test
  void a_mistyped_value_is_refused_rather_than_read_as_empty() throws IOException {
    ObjectNode doc = (ObjectNode) JSON.readTree(example().toJson());
    ((ObjectNode) doc.at("/request_features/0")).put("kind", "ordinal");

    assertThatThrownBy(() -> ModelManifest.parse(JSON.writeValueAsBytes(doc), "t.json"))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("Cannot read the model package file t.json: key 'request_features[0].kind' is invalid: 'ordinal' is not one of numeric, categorical");
  }

  @Test
  void a_newer_format_version_is_refused_with_what_to_do() throws IOException {
    ObjectNode doc = (ObjectNode) JSON.readTree(example().toJson());
    doc.put("format_version", 3);
    Files.write(dir.resolve("treeline.json"), JSON.writeValueAsBytes(doc));

    assertThatThrownBy(() -> ModelManifest.read(dir))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("Cannot read the model package file " + dir.resolve("treeline.json")
            + ": its format_version is 3, newer than this Treeline reads (up to 2)")
        .extracting(e -> ((InvalidInputException) e).remedy()).asString()
        .startsWith("The model was written by a newer Treeline");
  }

  @Test
  void a_manifest_the_reader_would_refuse_cannot_be_made() {
    ModelManifest m = example();
    Map<String, String> versions = new LinkedHashMap<>();
    versions.put("git_commit", null);

    assertThatThrownBy(() -> new ModelManifest(m.pipeline(), null, m.registeredModel(), m.modelType(), m.threshold(), m.label(), m.eventTime(),
        m.featureViews(), m.requestFeatures(), m.requestAliases(), m.inputSchema(), m.trainingSet(), m.trainingInputs(), m.metrics(),
        m.versions(), m.createdAt())).isInstanceOf(NullPointerException.class).hasMessage("runId");
    assertThatThrownBy(() -> new ModelManifest(m.pipeline(), m.runId(), m.registeredModel(), m.modelType(), m.threshold(), m.label(),
        m.eventTime(), m.featureViews(), m.requestFeatures(), m.requestAliases(), m.inputSchema(), m.trainingSet(), m.trainingInputs(),
        m.metrics(), versions, m.createdAt())).isInstanceOf(NullPointerException.class).hasMessage("no value for git_commit");
  }

  @Test
  void a_missing_file_names_the_file() {
    assertThatThrownBy(() -> ModelManifest.read(dir))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageStartingWith("Cannot read the model package file " + dir.resolve("treeline.json") + ": java.nio.file.NoSuchFileException");
  }
}
