package io.treeline.featurestore.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.treeline.core.config.TreelineConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StreamSettingsTest {

  @Test
  void without_brokers_the_stream_reads_event_files_under_the_lake() {
    StreamSettings settings = StreamSettings.from(TreelineConfig.defaults().with(Map.of("lake.root", "s3a://bucket/lake/")));

    assertThat(settings.kafka()).isFalse();
    assertThat(settings.filesDir()).isEqualTo("s3a://bucket/lake/events/flights");
    assertThat(settings.checkpointDir()).isEqualTo("s3a://bucket/lake/checkpoints/stream");
    assertThat(settings.source()).isEqualTo("event files in s3a://bucket/lake/events/flights");
  }

  @Test
  void kafka_options_carry_the_topic_offsets_limits_and_the_sasl_login_but_never_show_the_password() {
    StreamSettings settings = StreamSettings.from(TreelineConfig.defaults().with(Map.of(
        "stream.kafka.bootstrap-servers", "b1:9093,b2:9093",
        "stream.kafka.topic", "flights-v2",
        "stream.kafka.starting-offsets", "latest",
        "stream.kafka.max-offsets-per-trigger", "50000",
        "stream.kafka.security-protocol", "sasl_ssl",
        "stream.kafka.sasl-mechanism", "scram-sha-512",
        "stream.kafka.sasl-username", "treeline",
        "stream.kafka.sasl-password", "s3cr\"et",
        "stream.kafka.ssl-truststore", "/etc/kafka/trust.p12",
        "stream.kafka.ssl-truststore-password", "tru5t")));

    Map<String, String> options = settings.sourceOptions();
    assertThat(options).containsEntry("subscribe", "flights-v2").containsEntry("startingOffsets", "latest")
        .containsEntry("maxOffsetsPerTrigger", "50000").containsEntry("failOnDataLoss", "true")
        .containsEntry("kafka.bootstrap.servers", "b1:9093,b2:9093").containsEntry("kafka.security.protocol", "SASL_SSL")
        .containsEntry("kafka.sasl.mechanism", "SCRAM-SHA-512")
        .containsEntry("kafka.sasl.jaas.config",
            "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"treeline\" password=\"s3cr\\\"et\";")
        .containsEntry("kafka.ssl.truststore.location", "/etc/kafka/trust.p12").containsEntry("kafka.ssl.truststore.password", "tru5t");
    assertThat(settings.toString()).contains("flights-v2", "SASL_SSL", "treeline").doesNotContain("s3cr").doesNotContain("tru5t");
  }

  @Test
  void sasl_without_a_user_and_negative_limits_are_refused_by_name() {
    assertThatThrownBy(() -> StreamSettings.from(TreelineConfig.defaults().with(Map.of(
        "stream.kafka.bootstrap-servers", "b1:9093", "stream.kafka.security-protocol", "SASL_PLAINTEXT"))))
        .hasMessageContaining("stream.kafka.sasl-username");
    assertThatThrownBy(() -> StreamSettings.from(TreelineConfig.defaults().with(Map.of("stream.watermark-minutes", "-5"))))
        .hasMessageContaining("must not be negative");
  }
}
