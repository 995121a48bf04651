package io.treeline.modelpackage;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class ModelPackageTest {
  @Test
  void mlmodel_values_stay_strings_where_python_yaml_would_read_a_number_or_a_date() throws IOException {
    byte[] yaml = ModelPackage.mlmodelYaml(List.of(new ModelManifest.InputColumn("distance", "double")), "run-1", Instant.parse("2026-11-25T12:00:00Z"));
    JsonNode parsed = new ObjectMapper(new YAMLFactory()).readTree(yaml);

    assertThat(parsed.at("/flavors/python_function/python_version").isTextual()).isTrue();
    assertThat(new String(yaml)).contains("python_version: \"3.11\"").contains("utc_time_created: \"2026-11-25 12:00:00.000000\"");
    assertThat(parsed.at("/run_id").asText()).isEqualTo("run-1");
    assertThat(parsed.at("/signature/inputs").asText()).isEqualTo("[{\"type\":\"double\",\"name\":\"distance\",\"required\":false}]");
  }

  @Test
  void the_test_script_installs_the_mlflow_and_pyspark_this_package_declares() throws IOException {
    String script = Files.readString(Path.of("..", "bin", "test"));
    assertThat(script).contains("MLFLOW_VERSION=\"" + ModelPackage.MLFLOW_VERSION + "\"")
        .contains("PYSPARK_VERSION=\"" + ModelPackage.PYSPARK_VERSION + "\"").contains("PANDAS_PIN=\"" + ModelPackage.PANDAS + "\"");
    assertThat(ModelPackage.PYSPARK_VERSION).as("the Spark on the classpath").isEqualTo(org.apache.spark.package$.MODULE$.SPARK_VERSION());
    assertThat(ModelPackage.requirements()).isEqualTo("mlflow==" + ModelPackage.MLFLOW_VERSION + "\npyspark=="
        + ModelPackage.PYSPARK_VERSION + "\npandas<3\n");
  }
}
