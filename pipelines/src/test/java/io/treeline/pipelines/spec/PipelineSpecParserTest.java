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
    expect(shipped().replace("threshold: 0.5", "treshold: 0.5"), "key 'treshold': unknown key", "");
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
