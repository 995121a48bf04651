package io.treeline.core.lake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.treeline.core.config.TreelineConfig;
import io.treeline.core.error.ExitCode;
import io.treeline.core.error.TreelineException;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;

class S3LakeSettingsTest {

  @Test
  void lake_s3_settings_map_to_s3a_and_credentials_come_from_the_default_chain() {
    TreelineConfig config = TreelineConfig.defaults().with(Map.of(
        "lake.root", "s3a://bucket/lake",
        "lake.s3.endpoint", "http://127.0.0.1:9000",
        "lake.s3.region", "eu-west-1",
        "lake.s3.path-style-access", "true",
        "lake.s3.server-side-encryption", "SSE-KMS",
        "lake.s3.kms-key-id", "alias/treeline"));

    Configuration conf = LakeHadoop.configuration(config);

    assertThat(conf.get("fs.s3a.endpoint")).isEqualTo("http://127.0.0.1:9000");
    assertThat(conf.get("fs.s3a.connection.ssl.enabled")).isEqualTo("false");
    assertThat(conf.get("fs.s3a.endpoint.region")).isEqualTo("eu-west-1");
    assertThat(conf.get("fs.s3a.path.style.access")).isEqualTo("true");
    assertThat(conf.get("fs.s3a.encryption.algorithm")).isEqualTo("SSE-KMS");
    assertThat(conf.get("fs.s3a.encryption.key")).isEqualTo("alias/treeline");
    assertThat(conf.get("fs.s3a.aws.credentials.provider")).isEqualTo(
        "org.apache.hadoop.fs.s3a.TemporaryAWSCredentialsProvider,org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider,"
            + "io.treeline.core.lake.AwsDefaultCredentials");
  }

  @Test
  void defaults_leave_encryption_to_the_bucket_and_aws_endpoints_to_s3a() {
    Map<String, String> settings = S3LakeSettings.hadoopSettings(TreelineConfig.defaults());

    assertThat(settings).doesNotContainKeys("fs.s3a.endpoint", "fs.s3a.endpoint.region", "fs.s3a.encryption.algorithm",
        "fs.s3a.encryption.key", "fs.s3a.access.key", "fs.s3a.secret.key");
    assertThat(settings).containsEntry("fs.s3a.path.style.access", "false");
  }

  @Test
  void sse_s3_sets_the_algorithm_only() {
    Map<String, String> settings = S3LakeSettings.hadoopSettings(
        TreelineConfig.defaults().with(Map.of("lake.s3.server-side-encryption", "sse-s3")));

    assertThat(settings).containsEntry("fs.s3a.encryption.algorithm", "AES256").doesNotContainKey("fs.s3a.encryption.key");
  }

  @Test
  void sse_kms_without_a_key_is_a_clear_error() {
    TreelineConfig config = TreelineConfig.defaults().with(Map.of("lake.s3.server-side-encryption", "SSE-KMS"));

    assertThatThrownBy(() -> LakeHadoop.configuration(config))
        .isInstanceOf(TreelineException.class)
        .hasMessage("Cannot use lake.s3.server-side-encryption SSE-KMS: lake.s3.kms-key-id is empty")
        .satisfies(e -> assertThat(((TreelineException) e).exitCode()).isEqualTo(ExitCode.INVALID_INPUT))
        .satisfies(e -> assertThat(((TreelineException) e).describe()).contains("Set lake.s3.kms-key-id"));
  }

  @Test
  void spark_hadoop_settings_win_over_lake_s3_settings() {
    TreelineConfig config = TreelineConfig.defaults().with(Map.of(
        "lake.s3.endpoint", "http://127.0.0.1:9000",
        "spark.conf.spark.hadoop.fs.s3a.endpoint", "http://10.0.0.1:9000",
        "spark.conf.spark.hadoop.fs.s3a.aws.credentials.provider", "software.amazon.awssdk.auth.credentials.ProfileCredentialsProvider"));

    Configuration conf = LakeHadoop.configuration(config);

    assertThat(conf.get("fs.s3a.endpoint")).isEqualTo("http://10.0.0.1:9000");
    assertThat(conf.get("fs.s3a.aws.credentials.provider")).isEqualTo("software.amazon.awssdk.auth.credentials.ProfileCredentialsProvider");
  }
}
