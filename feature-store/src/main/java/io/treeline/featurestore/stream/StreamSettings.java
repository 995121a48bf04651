package io.treeline.featurestore.stream;

import io.treeline.core.config.ConfigKeys;
import io.treeline.core.config.TreelineConfig;
import io.treeline.core.error.Errors;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where streams read their events and how, from the {@code stream.*} settings: a Kafka topic when
 * bootstrap servers are set, otherwise a directory of JSON files. Passwords never leave this class
 * except into the Kafka client's own properties; {@link #toString} shows none.
 */
public record StreamSettings(
    String bootstrapServers,
    String topic,
    String startingOffsets,
    int maxOffsetsPerTrigger,
    boolean failOnDataLoss,
    String securityProtocol,
    String saslMechanism,
    String saslUsername,
    String saslPassword,
    String sslTruststore,
    String sslTruststorePassword,
    String filesDir,
    int maxFilesPerTrigger,
    int triggerSeconds,
    int watermarkMinutes,
    boolean onlineLane,
    int onlineLaneIntervalMillis,
    String checkpointDir) {

  public static StreamSettings from(TreelineConfig config) {
    String root = config.lakeRoot().replaceAll("/+$", "");
    String topic = config.get(ConfigKeys.STREAM_KAFKA_TOPIC);
    String files = config.get(ConfigKeys.STREAM_FILES_DIR);
    String checkpoints = config.get(ConfigKeys.STREAM_CHECKPOINT_DIR);
    StreamSettings settings = new StreamSettings(
        config.get(ConfigKeys.STREAM_KAFKA_BOOTSTRAP_SERVERS),
        topic,
        config.get(ConfigKeys.STREAM_KAFKA_STARTING_OFFSETS),
        config.getInt(ConfigKeys.STREAM_KAFKA_MAX_OFFSETS_PER_TRIGGER),
        config.getBoolean(ConfigKeys.STREAM_KAFKA_FAIL_ON_DATA_LOSS),
        config.get(ConfigKeys.STREAM_KAFKA_SECURITY_PROTOCOL),
        config.get(ConfigKeys.STREAM_KAFKA_SASL_MECHANISM),
        config.get(ConfigKeys.STREAM_KAFKA_SASL_USERNAME),
        config.get(ConfigKeys.STREAM_KAFKA_SASL_PASSWORD),
        config.get(ConfigKeys.STREAM_KAFKA_SSL_TRUSTSTORE),
        config.get(ConfigKeys.STREAM_KAFKA_SSL_TRUSTSTORE_PASSWORD),
        files.isEmpty() ? root + "/events/" + topic : files,
        config.getInt(ConfigKeys.STREAM_FILES_MAX_PER_TRIGGER),
        config.getInt(ConfigKeys.STREAM_TRIGGER_SECONDS),
        config.getInt(ConfigKeys.STREAM_WATERMARK_MINUTES),
        config.getBoolean(ConfigKeys.STREAM_ONLINE_LANE),
        config.getInt(ConfigKeys.STREAM_ONLINE_LANE_INTERVAL_MS),
        checkpoints.isEmpty() ? root + "/checkpoints/stream" : checkpoints);
    settings.check();
    return settings;
  }

  private void check() {
    if (topic.isBlank()) {
      throw Errors.invalidInput("stream", "stream.kafka.topic", "it is empty", "Name the topic, e.g. --conf stream.kafka.topic=flights.");
    }
    if (triggerSeconds < 0 || watermarkMinutes < 0 || maxOffsetsPerTrigger < 0 || maxFilesPerTrigger < 0) {
      throw Errors.invalidInput("stream", "stream settings", "stream.trigger-seconds, watermark-minutes, kafka.max-offsets-per-trigger and "
          + "files.max-files-per-trigger must not be negative", "Fix the value in conf/treeline.yaml or --conf.");
    }
    if (onlineLaneIntervalMillis < 1) {
      throw Errors.invalidInput("stream", "stream.online-lane-interval-ms", "it is " + onlineLaneIntervalMillis + "; it must be at least 1",
          "Set it to how often the online lane writes, e.g. 100.");
    }
    if (securityProtocol.startsWith("SASL") && saslUsername.isEmpty()) {
      throw Errors.invalidInput("stream", "stream.kafka.sasl-username", "it is empty with security-protocol " + securityProtocol,
          "Set stream.kafka.sasl-username and TREELINE_STREAM_KAFKA_SASL_PASSWORD.");
    }
  }

  public boolean kafka() {
    return !bootstrapServers.isBlank();
  }

  /** Properties every Kafka client of Treeline gets: servers and security. */
  public Map<String, String> clientProperties() {
    Map<String, String> properties = new LinkedHashMap<>();
    properties.put("bootstrap.servers", bootstrapServers);
    properties.put("security.protocol", securityProtocol);
    if (securityProtocol.startsWith("SASL")) {
      String module = saslMechanism.equals("PLAIN")
          ? "org.apache.kafka.common.security.plain.PlainLoginModule"
          : "org.apache.kafka.common.security.scram.ScramLoginModule";
      properties.put("sasl.mechanism", saslMechanism);
      properties.put("sasl.jaas.config", module + " required username=\"" + quoted(saslUsername) + "\" password=\"" + quoted(saslPassword) + "\";");
    }
    if (securityProtocol.endsWith("SSL") && !sslTruststore.isEmpty()) {
      properties.put("ssl.truststore.location", sslTruststore);
      properties.put("ssl.truststore.type", "PKCS12");
      properties.put("ssl.truststore.password", sslTruststorePassword);
    }
    return properties;
  }

  /** The options of Spark's Kafka source. */
  public Map<String, String> sourceOptions() {
    Map<String, String> options = new LinkedHashMap<>();
    clientProperties().forEach((k, v) -> options.put("kafka." + k, v));
    options.put("subscribe", topic);
    options.put("startingOffsets", startingOffsets);
    options.put("failOnDataLoss", Boolean.toString(failOnDataLoss));
    if (maxOffsetsPerTrigger > 0) {
      options.put("maxOffsetsPerTrigger", Integer.toString(maxOffsetsPerTrigger));
    }
    return options;
  }

  public String source() {
    return kafka() ? "kafka topic " + topic + " at " + bootstrapServers : "event files in " + filesDir;
  }

  private static String quoted(String value) {
    return value.replace("\\", "\\\\").replace("\"", "\\\"");
  }

  @Override
  public String toString() {
    return "StreamSettings[" + source() + ", security " + securityProtocol + (saslUsername.isEmpty() ? "" : " as " + saslUsername)
        + ", trigger " + triggerSeconds + " s, watermark " + watermarkMinutes + " min, checkpoints " + checkpointDir + "]";
  }
}
