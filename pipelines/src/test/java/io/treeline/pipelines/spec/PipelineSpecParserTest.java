package io.treeline.pipelines.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.treeline.core.error.InvalidInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PipelineSpecParserTest {
  private static final Path SHIPPED = Path.of("..", "conf", "pipelines", "flight-delay.yaml");

  @TempDir Path dir;

  @Test
  void the_shipped_pipelines_parse_with_every_field() {
    PipelineSpec spec = PipelineSpecParser.parse(SHIPPED);
    PipelineSpec regressor = PipelineSpecParser.parse(Path.of("..", "conf", "pipelines", "flight-delay-minutes.yaml"));

    assertThat(spec.name()).isEqualTo("flight-delay");
    assertThat(spec.spine().table()).isEqualTo("raw.flights");
    assertThat(spec.features()).contains("origin_delays", "route_delays");
    assertThat(spec.requestFeatures()).extracting(PipelineSpec.RequestFeature::name).contains("origin", "distance", "departure_hour");
    assertThat(spec.model().type()).isEqualTo(PipelineSpec.ModelType.RANDOM_FOREST_CLASSIFIER);
    assertThat(spec.model().params()).containsEntry("numTrees", 40).containsEntry("featureSubsetStrategy", "sqrt");
    assertThat(spec.split().byTime()).isTrue();
    assertThat(spec.gates()).extracting(PipelineSpec.Gate::metric).containsExactly("test_auc");
    assertThat(spec.baseline().columns()).contains("origin", "month");
    assertThat(regressor.model().type().classifier()).isFalse();
    assertThat(spec.monitoring()).isEqualTo(new PipelineSpec.MonitoringSpec(0.2, java.util.Map.of("prediction", 0.25), 0.01, 0.05));
    assertThat(regressor.monitoring()).isEqualTo(PipelineSpec.MonitoringSpec.NONE);
  }

  @Test
  void monitoring_thresholds_may_be_partial_and_bad_ones_name_the_key_and_what_to_write() throws IOException {
    Path partial = Files.createTempFile(dir, "pipeline", ".yaml");
    Files.writeString(partial, withoutMonitoring() + "monitoring:\n  skew: {threshold: 0}\n");
    assertThat(PipelineSpecParser.parse(partial).monitoring()).isEqualTo(new PipelineSpec.MonitoringSpec(null, java.util.Map.of(), 0.0, null));

    expect(shipped().replace("psi_threshold: 0.2", "psi_threshold: -0.2"), "key 'monitoring.drift.psi_threshold': must be 0 or more, got -0.2",
        "Write e.g. 0.2.");
    expect(shipped().replace("psi_threshold: 0.2", "psi_threshold: high"),
        "key 'monitoring.drift.psi_threshold': expected a number, got 'high'", "Write a number without quotes, e.g. 0.2.");
    expect(shipped().replace("prediction: 0.25", "prediction: \"0.25\""),
        "key 'monitoring.drift.feature_thresholds.prediction': expected a number, got '0.25'", "Write a number without quotes");
    expect(shipped().replace("threshold: 0.01", "threshold: 1.5"), "key 'monitoring.skew.threshold': must be from 0 to 1, got 1.5", "e.g. 0.01");
    expect(shipped().replace("auc_margin: 0.05", "auc_margin: [0.05]"), "key 'monitoring.quality.auc_margin': expected a number, got '[0.05]'", "");
    expect(shipped().replace("auc_margin: 0.05", "auc-margin: 0.05"), "key 'monitoring.quality.auc-margin': unknown key",
        "Allowed here: auc_margin.");
  }

  @Test
  void a_mistyped_model_parameter_names_the_key_and_the_nearest_parameter() throws IOException {
    expect(shipped().replace("numTrees: 40", "numTres: 40"),
        "key 'model.params.numTres': 'numTres' is not a parameter of random_forest_classifier", "Did you mean 'numTrees'?");
  }

  @Test
  void invalid_values_and_unknown_keys_are_refused_with_the_reason() throws IOException {
    expect(shipped().replace("maxDepth: 8", "maxDepth: -1"), "key 'model.params.maxDepth': invalid value -1 for maxDepth", "");
    expect(shipped().replace("maxDepth: 8", "maxDepth: deep"), "key 'model.params.maxDepth': invalid value deep for maxDepth: expected an integer", "");
    expect(shipped().replace("featureSubsetStrategy: sqrt", "featureSubsetStrategy: most"),
        "key 'model.params.featureSubsetStrategy': invalid value most for featureSubsetStrategy", "");
    expect(shipped().replace("threshold: {optimize: f1}", "treshold: 0.5"), "key 'treshold': unknown key", "");
    expect(shipped().replace("threshold: {optimize: f1}", "threshold: 1.2"), "key 'threshold': must be between 0 and 1, got 1.2", "");
    expect(shipped().replace("threshold: {optimize: f1}", "threshold: {optimize: recall}"), "key 'threshold.optimize': 'recall' is not an objective", "Use f1, youden or cost.");
    expect(shipped().replace("threshold: {optimize: f1}", "threshold: {optimize: cost, false_positive_cost: 1}"),
        "key 'threshold.false_negative_cost': is required with optimize: cost", "");
    expect(shipped().replace("threshold: {optimize: f1}", "threshold: {optimize: f1, false_positive_cost: 1}"),
        "key 'threshold': false_positive_cost and false_negative_cost apply to optimize: cost only", "");
    expect(shipped().replace("threshold: {optimize: f1}", "calibration: beta"), "key 'calibration': 'beta' is not one of none, isotonic, platt", "");
    expect(shipped().replace("split:", "tuning: {method: random, grid: {maxDepth: [3]}}\nsplit:"), "key 'tuning.method': 'random' is not a tuning method", "");
    expect(shipped().replace("metric: test_auc", "metric: test_auroc"), "key 'gates[0].metric': 'test_auroc' is not a metric of this model", "");
    expect(shipped().replace("train_until: 2001-05-01", "train_until: 2001-07-01"), "key 'split.validate_until': must be after train_until", "");
    expect(shipped().replace("random_forest_classifier", "gradient_boosting"),
        "key 'model.type': 'gradient_boosting' is not one of random_forest_classifier, random_forest_regressor", "");
    expect(shipped().replace("label: arrival_delay > 15", "label: arrival_delay >"), "key 'spine.label': the SQL expression 'arrival_delay >' does not parse", "");
    expect(shipped().replace("origin: {unseen: keep}", "origin: {unseen: ignore}"),
        "key 'preprocessing.categorical.origin.unseen': 'ignore' is not a rule for unseen values", "");
    expect(shipped().replace("labelCol", "x").replace("seed: 42", "seed: 42\n    labelCol: delayed"),
        "key 'model.params.labelCol': 'labelCol' is not a parameter of random_forest_classifier that a pipeline may set", "");
  }

  private static String withoutMonitoring() throws IOException {
    String text = shipped();
    int start = text.indexOf("monitoring:\n");
    int end = text.indexOf("\nserving:", start);
    return text.substring(0, start) + text.substring(end + 1);
  }

  private static String shipped() throws IOException {
    return Files.readString(SHIPPED);
  }

  private void expect(String yaml, String message, String remedy) throws IOException {
    Path file = Files.createTempFile(dir, "pipeline", ".yaml");
    Files.writeString(file, yaml);
    assertThatThrownBy(() -> PipelineSpecParser.parse(file))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageStartingWith("Cannot load pipeline " + file + ": " + message)
        .satisfies(e -> assertThat(((InvalidInputException) e).remedy()).contains(remedy));
  }
}
