package io.treeline.serving.inference;

import static org.assertj.core.api.Assertions.assertThat;

import io.treeline.core.config.TreelineConfig;
import io.treeline.core.lake.TableName;
import io.treeline.core.spark.SparkSessions;
import io.treeline.core.testing.S3Lake;
import io.treeline.core.testing.TestSpark;
import io.treeline.serving.http.ServingConfig;
import java.time.Duration;
import java.time.Instant;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/** The inference log on an s3a:// lake (S3Proxy on loopback), configured as `treeline serve` configures it. */
class InferenceLogS3Test {
  @Test
  void the_log_appends_to_an_s3a_lake_through_the_lakes_own_settings() {
    S3Lake lake = new S3Lake();
    TreelineConfig config = lake.config(java.util.Map.of("serving.inference-log.flush-interval-ms", "50"));
    InferenceLogSettings settings = ServingConfig.options(config).inferenceLog();
    String location = lake.layout().table(new TableName("monitoring", "inference_log"));
    assertThat(settings.appender().destination()).isEqualTo(location).startsWith("s3a://");

    InferenceLog log = InferenceLog.start(settings, InferenceLogMetrics.NONE);
    Records.many("s3", 25, Instant.now(), "replica").forEach(log::offer);
    log.close(Duration.ofSeconds(60));

    assertThat(log.committedRows()).isEqualTo(25);
    assertThat(lake.keys("tables/monitoring/inference_log/_delta_log/")).contains("lake/tables/monitoring/inference_log/_delta_log/00000000000000000000.json");
    TestSpark.session();
    SparkSession spark = SparkSessions.create(config, "s3-inference-log");
    assertThat(spark.read().format("delta").load(location).where("request_id LIKE 's3-%'").count()).isEqualTo(25);
  }
}
