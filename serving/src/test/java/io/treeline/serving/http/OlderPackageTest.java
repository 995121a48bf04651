package io.treeline.serving.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.treeline.registry.ModelVersion;
import io.treeline.serving.compile.CompiledPipeline;
import io.treeline.serving.compile.Frame;
import io.treeline.serving.compile.Prediction;
import io.treeline.serving.model.ModelLoader;
import io.treeline.serving.model.ServedModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/**
 * A package written before compiled-pipeline.bin existed still serves: the loader reads its Spark
 * ML model instead, and answers exactly as it does for the same model loaded from the file.
 */
class OlderPackageTest {
  @Test
  void a_package_without_the_compiled_pipeline_loads_through_spark_and_answers_the_same() throws Exception {
    ServingFixture fixture = ServingFixture.get();
    ModelVersion withFile = fixture.register("older-package", fixture.classifier, "random_forest_classifier", "dayofweek(departure_time)", true);
    ModelVersion without = fixture.register("older-package", fixture.classifier, "random_forest_classifier", "dayofweek(departure_time)", false);
    Path work = Files.createTempDirectory("older-package");
    ModelLoader loader = new ModelLoader(fixture.registry, work);
    ServedModel fromFile = loader.load("older-package", "a", withFile);
    ServedModel fromSpark = loader.load("older-package", "a", without);

    List<Row> rows = fixture.rows.limit(300).collectAsList();
    for (Row row : rows) {
      Prediction a = fromFile.pipeline().predict(frame(fromFile.pipeline(), row));
      Prediction b = fromSpark.pipeline().predict(frame(fromSpark.pipeline(), row));
      assertThat(b.prediction()).isEqualTo(a.prediction());
      assertThat(b.probability()).containsExactly(a.probability());
    }
  }

  private static Frame frame(CompiledPipeline pipeline, Row row) {
    Frame frame = pipeline.newFrame();
    for (CompiledPipeline.Input input : pipeline.inputs().values()) {
      Object value = row.get(row.fieldIndex(input.name()));
      if (value == null) {
        continue;
      }
      if (input.numeric()) {
        pipeline.setNumber(frame, input, ((Number) value).doubleValue());
      } else {
        pipeline.setString(frame, input, (String) value);
      }
    }
    return frame;
  }
}
