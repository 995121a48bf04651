package io.treeline.core.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The resolved settings of one Treeline process: defaults, then conf/treeline.yaml, then TREELINE_*
 * environment variables, then {@code --conf key=value}. Values are already validated by {@link ConfigLoader}.
 */
public final class TreelineConfig {
  private final Map<String, String> values;
  private final Map<String, String> sources;
  private final Map<String, String> sparkConf;

  TreelineConfig(Map<String, String> values, Map<String, String> sources, Map<String, String> sparkConf) {
    this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    this.sources = Collections.unmodifiableMap(new LinkedHashMap<>(sources));
    this.sparkConf = Collections.unmodifiableMap(new LinkedHashMap<>(sparkConf));
  }

  /** The embedded defaults, with nothing read from files or the environment. */
  public static TreelineConfig defaults() {
    return ConfigLoader.builder().environment(Map.of()).load();
  }

  public String get(ConfigKey key) {
    return values.get(key.key());
  }

  public int getInt(ConfigKey key) {
    return Integer.parseInt(get(key));
  }

  public boolean getBoolean(ConfigKey key) {
    return Boolean.parseBoolean(get(key));
  }

  /** Where a key's value came from: "default", a file path, an environment variable or "--conf". */
  public String sourceOf(ConfigKey key) {
    return sources.get(key.key());
  }

  /** Extra Spark settings from {@code spark.conf.*}, keyed by the Spark key. */
  public Map<String, String> sparkConf() {
    return sparkConf;
  }

  /** A copy with more {@code key=value} overrides applied, validated like {@code --conf}. */
  public TreelineConfig with(Map<String, String> overrides) {
    ConfigLoader.Builder builder = ConfigLoader.builder().environment(Map.of());
    values.forEach((k, v) -> builder.override(k, v));
    sparkConf.forEach((k, v) -> builder.override(ConfigKeys.SPARK_CONF_PREFIX + k, v));
    overrides.forEach(builder::override);
    TreelineConfig loaded = builder.load();
    // Re-applying every value as an override would make each look given on the command line; only the new ones are.
    Map<String, String> kept = new LinkedHashMap<>(sources);
    overrides.keySet().stream().filter(loaded.sources::containsKey).forEach(key -> kept.put(key, "--conf"));
    return new TreelineConfig(loaded.values, kept, loaded.sparkConf);
  }

  public String lakeRoot() {
    return get(ConfigKeys.LAKE_ROOT);
  }

  public String sparkMaster() {
    return get(ConfigKeys.SPARK_MASTER);
  }

  public boolean sparkUiEnabled() {
    return getBoolean(ConfigKeys.SPARK_UI_ENABLED);
  }

  public int sparkShufflePartitions() {
    return getInt(ConfigKeys.SPARK_SHUFFLE_PARTITIONS);
  }

  public String featuresDir() {
    return get(ConfigKeys.FEATURES_DIR);
  }

  public String pipelinesDir() {
    return get(ConfigKeys.PIPELINES_DIR);
  }

  public String registryType() {
    return get(ConfigKeys.REGISTRY_TYPE);
  }

  public String mlflowTrackingUri() {
    return get(ConfigKeys.REGISTRY_MLFLOW_TRACKING_URI);
  }

  public String onlineStoreType() {
    return get(ConfigKeys.ONLINE_STORE_TYPE);
  }

  public String redisUrl() {
    return get(ConfigKeys.ONLINE_STORE_REDIS_URL);
  }

  public String redisCaFile() {
    return get(ConfigKeys.ONLINE_STORE_REDIS_CA_FILE);
  }

  public String kafkaBootstrapServers() {
    return get(ConfigKeys.STREAM_KAFKA_BOOTSTRAP_SERVERS);
  }

  public String servingHost() {
    return get(ConfigKeys.SERVING_HOST);
  }

  public int servingPort() {
    return getInt(ConfigKeys.SERVING_PORT);
  }

  public int servingMaxBatchSize() {
    return getInt(ConfigKeys.SERVING_MAX_BATCH_SIZE);
  }

  public String dataCacheDir() {
    return get(ConfigKeys.DATA_CACHE_DIR);
  }
}
