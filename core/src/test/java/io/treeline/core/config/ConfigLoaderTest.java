package io.treeline.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.treeline.core.error.ExitCode;
import io.treeline.core.error.InvalidInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
  @TempDir Path dir;

  @Test
  void defaults_are_the_embedded_setup() {
    TreelineConfig config = TreelineConfig.defaults();

    assertThat(config.lakeRoot()).isEqualTo("./lake");
    assertThat(config.sparkMaster()).isEqualTo("local[*]");
    assertThat(config.sparkUiEnabled()).isFalse();
    assertThat(config.sparkShufflePartitions()).isZero();
    assertThat(config.featuresDir()).isEqualTo("conf/features");
    assertThat(config.pipelinesDir()).isEqualTo("conf/pipelines");
    assertThat(config.registryType()).isEqualTo("lake");
    assertThat(config.mlflowTrackingUri()).isEmpty();
    assertThat(config.onlineStoreType()).isEqualTo("embedded");
    assertThat(config.redisUrl()).isEqualTo("redis://127.0.0.1:6379");
    assertThat(config.kafkaBootstrapServers()).isEmpty();
    assertThat(config.servingHost()).isEqualTo("127.0.0.1");
    assertThat(config.servingPort()).isEqualTo(8080);
    assertThat(config.servingMaxBatchSize()).isEqualTo(1000);
    assertThat(config.dataCacheDir()).isEmpty();
    assertThat(config.sparkConf()).isEmpty();
    assertThat(config.get(ConfigKeys.LOG_FORMAT)).isEqualTo("text");
    assertThat(config.getBoolean(ConfigKeys.SERVING_ACCESS_LOG)).isTrue();
    assertThat(config.getInt(ConfigKeys.SERVING_SHUTDOWN_DRAIN_SECONDS)).isEqualTo(5);
    assertThat(config.getInt(ConfigKeys.SERVING_MAX_REQUEST_HEADER_BYTES)).as("room for a JWT with claims").isEqualTo(16384);
    assertThat(config.get(ConfigKeys.SERVING_TRACING_OTLP_ENDPOINT)).as("tracing is off by default").isEmpty();
    assertThat(config.get(ConfigKeys.SERVING_TRACING_SAMPLE_RATIO)).isEqualTo("1.0");
    assertThat(config.sourceOf(ConfigKeys.LAKE_ROOT)).isEqualTo("default");
  }

  @Test
  void the_shipped_treeline_yaml_documents_exactly_the_defaults() throws IOException {
    Path shipped = Path.of("..", "conf", "treeline.yaml");
    TreelineConfig fromFile = ConfigLoader.builder().file(shipped).environment(Map.of()).load();
    TreelineConfig defaults = TreelineConfig.defaults();
    String text = Files.readString(shipped);

    for (ConfigKey key : ConfigKeys.ALL) {
      assertThat(fromFile.get(key)).as(key.key()).isEqualTo(defaults.get(key));
      assertThat(text).as("conf/treeline.yaml mentions " + key.key())
          .contains(key.key().substring(key.key().lastIndexOf('.') + 1) + ":");
    }
  }

  @Test
  void every_key_maps_from_the_file() throws IOException {
    Path file = write("""
        lake:
          root: s3a://bucket/lake
          s3:
            endpoint: http://127.0.0.1:9000
            region: eu-west-1
            path-style-access: true
            server-side-encryption: sse-kms
            kms-key-id: alias/treeline
        spark:
          master: spark://10.0.0.1:7077
          ui-enabled: true
          shuffle-partitions: 64
          conf:
            spark.sql.adaptive.enabled: false
            spark.hadoop.fs.s3a.endpoint: http://127.0.0.1:9000
        features:
          dir: /srv/features
        pipelines:
          dir: /srv/pipelines
        registry:
          type: mlflow
          mlflow:
            tracking-uri: http://mlflow:5000
        online-store:
          type: redis
          redis:
            url: redis://cache:6380
        stream:
          kafka:
            bootstrap-servers: kafka:9092
        serving:
          host: 0.0.0.0
          port: 9090
          max-batch-size: 64
          shutdown-drain-seconds: 0
          max-request-header-bytes: 32768
          access-log: false
          tracing:
            otlp-endpoint: http://collector:4318/v1/traces
            sample-ratio: 0.25
        log:
          format: json
        monitoring:
          drift:
            psi-threshold: 0.25
            feature-thresholds: distance=0.1,prediction=0.3
            reference-rows: 50000
          skew:
            threshold: 0.02
          quality:
            auc-margin: 0.03
        data:
          cache-dir: /var/cache/treeline
        """);

    TreelineConfig config = ConfigLoader.builder().file(file).environment(Map.of()).load();

    assertThat(config.lakeRoot()).isEqualTo("s3a://bucket/lake");
    assertThat(config.get(ConfigKeys.LAKE_S3_ENDPOINT)).isEqualTo("http://127.0.0.1:9000");
    assertThat(config.get(ConfigKeys.LAKE_S3_REGION)).isEqualTo("eu-west-1");
    assertThat(config.getBoolean(ConfigKeys.LAKE_S3_PATH_STYLE_ACCESS)).isTrue();
    assertThat(config.get(ConfigKeys.LAKE_S3_SERVER_SIDE_ENCRYPTION)).isEqualTo("SSE-KMS");
    assertThat(config.get(ConfigKeys.LAKE_S3_KMS_KEY_ID)).isEqualTo("alias/treeline");
    assertThat(config.sparkMaster()).isEqualTo("spark://10.0.0.1:7077");
    assertThat(config.sparkUiEnabled()).isTrue();
    assertThat(config.sparkShufflePartitions()).isEqualTo(64);
    assertThat(config.featuresDir()).isEqualTo("/srv/features");
    assertThat(config.pipelinesDir()).isEqualTo("/srv/pipelines");
    assertThat(config.registryType()).isEqualTo("mlflow");
    assertThat(config.mlflowTrackingUri()).isEqualTo("http://mlflow:5000");
    assertThat(config.onlineStoreType()).isEqualTo("redis");
    assertThat(config.redisUrl()).isEqualTo("redis://cache:6380");
    assertThat(config.kafkaBootstrapServers()).isEqualTo("kafka:9092");
    assertThat(config.servingHost()).isEqualTo("0.0.0.0");
    assertThat(config.servingPort()).isEqualTo(9090);
    assertThat(config.servingMaxBatchSize()).isEqualTo(64);
    assertThat(config.dataCacheDir()).isEqualTo("/var/cache/treeline");
    assertThat(config.getInt(ConfigKeys.SERVING_SHUTDOWN_DRAIN_SECONDS)).isZero();
    assertThat(config.getInt(ConfigKeys.SERVING_MAX_REQUEST_HEADER_BYTES)).isEqualTo(32768);
    assertThat(config.getBoolean(ConfigKeys.SERVING_ACCESS_LOG)).isFalse();
    assertThat(config.get(ConfigKeys.SERVING_TRACING_OTLP_ENDPOINT)).isEqualTo("http://collector:4318/v1/traces");
    assertThat(config.get(ConfigKeys.SERVING_TRACING_SAMPLE_RATIO)).isEqualTo("0.25");
    assertThat(config.get(ConfigKeys.LOG_FORMAT)).isEqualTo("json");
    assertThat(config.get(ConfigKeys.MONITORING_DRIFT_PSI_THRESHOLD)).isEqualTo("0.25");
    assertThat(config.get(ConfigKeys.MONITORING_DRIFT_FEATURE_THRESHOLDS)).isEqualTo("distance=0.1,prediction=0.3");
    assertThat(config.getInt(ConfigKeys.MONITORING_DRIFT_REFERENCE_ROWS)).isEqualTo(50000);
    assertThat(config.get(ConfigKeys.MONITORING_SKEW_THRESHOLD)).isEqualTo("0.02");
    assertThat(config.get(ConfigKeys.MONITORING_QUALITY_AUC_MARGIN)).isEqualTo("0.03");
    assertThat(config.sparkConf())
        .containsExactlyInAnyOrderEntriesOf(Map.of(
            "spark.sql.adaptive.enabled", "false", "spark.hadoop.fs.s3a.endpoint", "http://127.0.0.1:9000"));
    assertThat(config.sourceOf(ConfigKeys.SERVING_PORT)).isEqualTo(file.toString());
  }

  @Test
  void every_key_has_an_environment_variable() {
    assertThat(ConfigKeys.ALL.stream().map(ConfigKey::environmentVariable))
        .contains("TREELINE_LAKE_ROOT", "TREELINE_ONLINE_STORE_REDIS_URL", "TREELINE_REGISTRY_MLFLOW_TRACKING_URI",
            "TREELINE_SERVING_MAX_BATCH_SIZE", "TREELINE_SPARK_SHUFFLE_PARTITIONS", "TREELINE_LOG_FORMAT", "TREELINE_SERVING_TRACING_OTLP_ENDPOINT")
        .doesNotHaveDuplicates()
        .hasSize(ConfigKeys.ALL.size());
  }

  @Test
  void environment_overrides_the_file_and_conf_overrides_both() throws IOException {
    Path file = write("lake:\n  root: /from/file\nserving:\n  port: 1000\n");

    TreelineConfig config =
        ConfigLoader.builder()
            .file(file)
            .environment(Map.of("TREELINE_LAKE_ROOT", "/from/env", "TREELINE_SERVING_PORT", "2000", "TREELINE_HOME", "/opt/x",
                "TREELINE_GIT_COMMIT", "abc123", "TREELINE_SERVING_URL", "http://localhost:8080", "TREELINE_SPARK_JARS", "/x.jar"))
            .overrides(List.of("serving.port=3000"))
            .load();

    assertThat(config.lakeRoot()).isEqualTo("/from/env");
    assertThat(config.sourceOf(ConfigKeys.LAKE_ROOT)).isEqualTo("environment variable TREELINE_LAKE_ROOT");
    assertThat(config.servingPort()).isEqualTo(3000);
    assertThat(config.sourceOf(ConfigKeys.SERVING_PORT)).isEqualTo("--conf");
  }

  @Test
  void a_copy_with_more_overrides_keeps_where_the_other_values_came_from() throws IOException {
    Path file = write("serving:\n  port: 1000\n");
    TreelineConfig config = ConfigLoader.builder().file(file).environment(Map.of()).load().with(Map.of("lake.root", "/elsewhere"));

    assertThat(config.lakeRoot()).isEqualTo("/elsewhere");
    assertThat(config.sourceOf(ConfigKeys.LAKE_ROOT)).isEqualTo("--conf");
    assertThat(config.servingPort()).isEqualTo(1000);
    assertThat(config.sourceOf(ConfigKeys.SERVING_PORT)).isEqualTo(file.toString());
    assertThat(config.sourceOf(ConfigKeys.MONITORING_SKEW_THRESHOLD)).isEqualTo("default");
  }

  @Test
  void an_unknown_key_in_the_file_names_the_key_the_file_and_the_nearest_key() throws IOException {
    Path file = write("spark:\n  mastr: local[2]\n");

    assertThatThrownBy(() -> ConfigLoader.builder().file(file).environment(Map.of()).load())
        .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCode.INVALID_INPUT))
        .hasMessage("Cannot load configuration from " + file + ": unknown key 'spark.mastr'")
        .satisfies(e -> assertThat(((InvalidInputException) e).remedy()).startsWith("Did you mean 'spark.master'?"));
  }

  @Test
  void a_wrong_type_names_the_key_the_source_and_the_expected_type() throws IOException {
    Path file = write("serving:\n  port: eighty\n");

    assertThatThrownBy(() -> ConfigLoader.builder().file(file).environment(Map.of()).load())
        .hasMessage("Cannot load configuration from " + file + ": key 'serving.port' must be an integer, got 'eighty'");
    assertThatThrownBy(() -> ConfigLoader.builder().environment(Map.of()).overrides(List.of("registry.type=postgres")).load())
        .hasMessage("Cannot load configuration from --conf: key 'registry.type' must be one of lake, mlflow, got 'postgres'");
    assertThatThrownBy(() -> ConfigLoader.builder().environment(Map.of("TREELINE_SPARK_UI_ENABLED", "yes")).load())
        .hasMessage("Cannot load configuration from environment variable TREELINE_SPARK_UI_ENABLED: "
            + "key 'spark.ui-enabled' must be a boolean (true or false), got 'yes'");
  }

  @Test
  void a_choice_is_accepted_in_any_case_and_kept_in_its_declared_spelling() {
    TreelineConfig config = ConfigLoader.builder().environment(Map.of())
        .overrides(List.of("registry.type=MLflow", "stream.kafka.security-protocol=sasl_ssl")).load();

    assertThat(config.get(ConfigKeys.REGISTRY_TYPE)).isEqualTo("mlflow");
    assertThat(config.get(ConfigKeys.STREAM_KAFKA_SECURITY_PROTOCOL)).isEqualTo("SASL_SSL");
    assertThat(TreelineConfig.defaults().get(ConfigKeys.STREAM_KAFKA_SECURITY_PROTOCOL)).isEqualTo("PLAINTEXT");
  }

  @Test
  void an_unknown_conf_key_or_environment_variable_is_refused() {
    assertThatThrownBy(() -> ConfigLoader.builder().environment(Map.of()).overrides(List.of("lake.rot=/x")).load())
        .hasMessage("Cannot load configuration from --conf: unknown key 'lake.rot'");
    assertThatThrownBy(() -> ConfigLoader.builder().environment(Map.of()).overrides(List.of("lake.root")).load())
        .hasMessage("Cannot apply --conf lake.root: expected key=value");
    assertThatThrownBy(() -> ConfigLoader.builder().environment(Map.of("TREELINE_LAKE_ROTO", "/x")).load())
        .hasMessageStartingWith("Cannot read environment variable TREELINE_LAKE_ROTO: it names no Treeline setting");
  }

  @Test
  void malformed_yaml_names_the_file() throws IOException {
    Path file = write("lake: [unclosed\n");

    assertThatThrownBy(() -> ConfigLoader.builder().file(file).environment(Map.of()).load())
        .isInstanceOf(InvalidInputException.class)
        .hasMessageStartingWith("Cannot read configuration " + file + ":");
  }

  private Path write(String yaml) throws IOException {
    Path file = dir.resolve("treeline.yaml");
    Files.writeString(file, yaml);
    return file;
  }
}
