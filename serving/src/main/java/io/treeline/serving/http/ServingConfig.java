package io.treeline.serving.http;

import io.treeline.core.lake.LakeHadoop;
import io.treeline.core.config.ConfigKeys;
import io.treeline.core.config.TreelineConfig;
import io.treeline.core.error.Errors;
import io.treeline.core.lake.LakeLayout;
import io.treeline.core.lake.TableName;
import io.treeline.serving.auth.ApiKeyAuthenticator;
import io.treeline.serving.auth.Authenticator;
import io.treeline.serving.auth.JwtAuthenticator;
import io.treeline.serving.auth.RateLimiter;
import io.treeline.serving.inference.DeltaKernelAppender;
import io.treeline.serving.inference.InferenceLogSettings;
import io.treeline.serving.tracing.TracingSettings;
import java.net.URI;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads the {@code serving.*} configuration into {@link ServerOptions}, refusing settings that cannot work before anything starts. */
public final class ServingConfig {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ServingConfig.class);

  private ServingConfig() {}

  public static ServerOptions options(TreelineConfig config) {
    int maxBatch = positive(config, ConfigKeys.SERVING_MAX_BATCH_SIZE);
    int maxBody = positive(config, ConfigKeys.SERVING_MAX_BODY_BYTES);
    int perSecond = config.getInt(ConfigKeys.SERVING_RATE_LIMIT_PER_SECOND);
    int burst = config.getInt(ConfigKeys.SERVING_RATE_LIMIT_BURST);
    RateLimiter limiter = perSecond > 0 ? new RateLimiter(perSecond, burst > 0 ? burst : perSecond) : null;
    String keyStore = config.get(ConfigKeys.SERVING_TLS_KEY_STORE);
    ServerOptions options = new ServerOptions(config.servingHost(), config.servingPort(), maxBatch, maxBody,
        Duration.ofSeconds(Math.max(0, config.getInt(ConfigKeys.SERVING_POLL_INTERVAL_SECONDS))),
        Duration.ofSeconds(Math.max(0, config.getInt(ConfigKeys.SERVING_SHUTDOWN_GRACE_SECONDS))),
        authenticator(config), limiter, null, null, config.getBoolean(ConfigKeys.SERVING_ACCESS_LOG), tracing(config),
        Duration.ofSeconds(Math.max(0, config.getInt(ConfigKeys.SERVING_SHUTDOWN_DRAIN_SECONDS))),
        positive(config, ConfigKeys.SERVING_MAX_REQUEST_HEADER_BYTES), inferenceLog(config),
        new ServerOptions.Routing(RouteKey.parse(config.get(ConfigKeys.SERVING_ROUTE_KEY)), positive(config, ConfigKeys.SERVING_SHADOW_THREADS),
            positive(config, ConfigKeys.SERVING_SHADOW_QUEUE_CAPACITY)));
    if (!keyStore.isEmpty()) {
      Path path = existing(config, ConfigKeys.SERVING_TLS_KEY_STORE);
      options = options.withTls(path, config.get(ConfigKeys.SERVING_TLS_KEY_STORE_PASSWORD));
    }
    return options;
  }

  /** serving.tracing.*: off without an endpoint; a malformed endpoint, ratio or attribute list stops the start naming the key. */
  static TracingSettings tracing(TreelineConfig config) {
    String endpoint = config.get(ConfigKeys.SERVING_TRACING_OTLP_ENDPOINT).trim();
    if (endpoint.isEmpty()) {
      return TracingSettings.OFF;
    }
    String key = ConfigKeys.SERVING_TRACING_OTLP_ENDPOINT.key();
    try {
      URI uri = new URI(endpoint);
      if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
        throw new IllegalArgumentException("not an http(s) URL");
      }
    } catch (java.net.URISyntaxException | IllegalArgumentException e) {
      throw Errors.invalidInput("start", "tracing", key + " is '" + endpoint + "', " + "not an http(s) URL",
          "Set the collector's OTLP/HTTP traces URL, e.g. http://127.0.0.1:4318/v1/traces, or leave it empty to turn tracing off.");
    }
    String ratioText = config.get(ConfigKeys.SERVING_TRACING_SAMPLE_RATIO).trim();
    double ratio;
    try {
      ratio = Double.parseDouble(ratioText);
    } catch (NumberFormatException e) {
      ratio = Double.NaN;
    }
    if (!(ratio >= 0 && ratio <= 1)) {
      throw Errors.invalidInput("start", "tracing", ConfigKeys.SERVING_TRACING_SAMPLE_RATIO.key() + " is '" + ratioText + "'",
          "Set a number from 0.0 (no new traces) to 1.0 (every request).");
    }
    Map<String, String> attributes = new LinkedHashMap<>();
    String list = config.get(ConfigKeys.SERVING_TRACING_RESOURCE_ATTRIBUTES).trim();
    if (!list.isEmpty()) {
      for (String pair : list.split(",")) {
        int eq = pair.indexOf('=');
        if (eq <= 0 || eq == pair.length() - 1) {
          throw Errors.invalidInput("start", "tracing", ConfigKeys.SERVING_TRACING_RESOURCE_ATTRIBUTES.key() + " has '" + pair.trim() + "', not key=value",
              "Write key=value pairs separated by commas, e.g. deployment.environment=prod,service.namespace=ml.");
        }
        attributes.put(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
      }
    }
    return new TracingSettings(endpoint, ratio, config.get(ConfigKeys.SERVING_TRACING_SERVICE_NAME), attributes);
  }

  /**
   * serving.inference-log.*: the lake table it appends to (through the lake's own Hadoop settings, so an
   * s3a:// lake works as for the jobs) and how much it buffers; a bad ratio or table name stops the start naming the key.
   */
  static InferenceLogSettings inferenceLog(TreelineConfig config) {
    if (!config.getBoolean(ConfigKeys.SERVING_INFERENCE_LOG_ENABLED)) {
      return InferenceLogSettings.OFF;
    }
    String sampleText = config.get(ConfigKeys.SERVING_INFERENCE_LOG_SAMPLE).trim();
    double sample;
    try {
      sample = Double.parseDouble(sampleText);
    } catch (NumberFormatException e) {
      sample = Double.NaN;
    }
    if (!(sample >= 0 && sample <= 1)) {
      throw Errors.invalidInput("start", "the inference log", ConfigKeys.SERVING_INFERENCE_LOG_SAMPLE.key() + " is '" + sampleText + "'",
          "Set a number from 0.0 (no request recorded) to 1.0 (every request), or serving.inference-log.enabled=false.");
    }
    String tableText = config.get(ConfigKeys.SERVING_INFERENCE_LOG_TABLE).trim();
    TableName table;
    try {
      table = TableName.parse(tableText);
    } catch (RuntimeException e) {
      throw Errors.invalidInput("start", "the inference log", ConfigKeys.SERVING_INFERENCE_LOG_TABLE.key() + " is '" + tableText + "', not namespace.table",
          "Name a lake table in lower-case letters, digits and underscores, e.g. monitoring.inference_log.", e);
    }
    int capacity = positive(config, ConfigKeys.SERVING_INFERENCE_LOG_QUEUE_CAPACITY);
    int batchRows = positive(config, ConfigKeys.SERVING_INFERENCE_LOG_BATCH_ROWS);
    int flushMs = positive(config, ConfigKeys.SERVING_INFERENCE_LOG_FLUSH_INTERVAL_MS);
    String location = LakeLayout.at(config.lakeRoot()).table(table);
    return new InferenceLogSettings(true, sample, capacity, batchRows, Duration.ofMillis(flushMs), config.get(ConfigKeys.SERVING_INFERENCE_LOG_SERVER_ID).trim(),
        new DeltaKernelAppender(location, LakeHadoop.configuration(config)), spool(config, location));
  }

  /**
   * serving.inference-log.spool-*: the directory is the one set, or one per port and table under the
   * temporary directory, so a server restarted on its port finds the files it left; a server on a random
   * port (0) has none unless one is set, since no later server would find its files.
   */
  static InferenceLogSettings.Spool spool(TreelineConfig config, String tableLocation) {
    String dir = config.get(ConfigKeys.SERVING_INFERENCE_LOG_SPOOL_DIR).trim();
    Path directory;
    if (dir.equals("off")) {
      return null;
    } else if (!dir.isEmpty()) {
      directory = Path.of(dir).toAbsolutePath();
    } else if (config.servingPort() > 0) {
      directory = Path.of(System.getProperty("java.io.tmpdir"), "treeline-inference-spool", config.servingPort() + "-" + shortHash(tableLocation));
    } else {
      return null;
    }
    int busyRate = config.getInt(ConfigKeys.SERVING_INFERENCE_LOG_SPOOL_BUSY_RATE);
    if (busyRate < 0) {
      throw Errors.invalidInput("start", "the inference log", ConfigKeys.SERVING_INFERENCE_LOG_SPOOL_BUSY_RATE.key() + " is " + busyRate,
          "Set the records a second above which the writer only spools (0 spools always).");
    }
    return new InferenceLogSettings.Spool(directory, busyRate, Duration.ofSeconds(positive(config, ConfigKeys.SERVING_INFERENCE_LOG_SPOOL_MAX_DELAY_SECONDS)),
        positive(config, ConfigKeys.SERVING_INFERENCE_LOG_SPOOL_MAX_MB) * (1L << 20));
  }

  /** Eight hex digits of the table's location: enough to keep two tables' spools apart on one machine. */
  private static String shortHash(String text) {
    try {
      byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      return java.util.HexFormat.of().formatHex(digest, 0, 4);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Authenticator authenticator(TreelineConfig config) {
    return switch (config.get(ConfigKeys.SERVING_AUTH_TYPE)) {
      case "api-key" -> new ApiKeyAuthenticator(apiKeys(existing(config, ConfigKeys.SERVING_AUTH_API_KEYS_FILE)));
      case "jwt" -> jwt(config);
      default -> null;
    };
  }

  private static Authenticator jwt(TreelineConfig config) {
    Path keyFile = existing(config, ConfigKeys.SERVING_AUTH_JWT_KEY_FILE);
    try {
      JwtAuthenticator.Builder builder = config.get(ConfigKeys.SERVING_AUTH_JWT_ALGORITHM).equals("hs256")
          ? JwtAuthenticator.hs256(hs256Secret(keyFile))
          : JwtAuthenticator.rs256(Files.readString(keyFile));
      String issuer = config.get(ConfigKeys.SERVING_AUTH_JWT_ISSUER);
      String audience = config.get(ConfigKeys.SERVING_AUTH_JWT_AUDIENCE);
      if (!issuer.isEmpty()) {
        builder.issuer(issuer);
      }
      if (!audience.isEmpty()) {
        builder.audience(audience);
      }
      return builder.build();
    } catch (IOException e) {
      throw Errors.invalidInput("read", "the JWT key " + keyFile, e.getMessage(), "Check serving.auth.jwt.key-file.", e);
    } catch (IllegalArgumentException e) {
      throw Errors.invalidInput("use", "the JWT key " + keyFile, e.getMessage(), "Check serving.auth.jwt.key-file and serving.auth.jwt.algorithm.", e);
    }
  }

  /**
   * The shared secret in {@code file}, without the line breaks that end it: {@code openssl rand -hex 32 > file}
   * and editors write one, and signers use the text without it. Says how long it is (never what it is).
   */
  static byte[] hs256Secret(Path file) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    int length = bytes.length;
    while (length > 0 && (bytes[length - 1] == '\n' || bytes[length - 1] == '\r')) {
      length--;
    }
    LOG.info("JWT HS256 secret from {}: {} bytes{}", file, length,
        length < bytes.length ? " (" + (bytes.length - length) + " trailing line-break bytes trimmed)" : "");
    return java.util.Arrays.copyOf(bytes, length);
  }

  /** "name: key" per line; blank lines and # comments skipped. */
  static Map<String, String> apiKeys(Path file) {
    Map<String, String> keys = new LinkedHashMap<>();
    List<String> lines;
    try {
      lines = Files.readAllLines(file);
    } catch (IOException e) {
      throw Errors.invalidInput("read", "API keys " + file, e.getMessage(), "Check serving.auth.api-keys-file.", e);
    }
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).trim();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      int colon = line.indexOf(':');
      if (colon <= 0 || colon == line.length() - 1) {
        throw Errors.invalidInput("read", "API keys " + file, "line " + (i + 1) + " is not 'name: key'", "Write one 'name: key' per line.");
      }
      keys.put(line.substring(0, colon).trim(), line.substring(colon + 1).trim());
    }
    if (keys.isEmpty()) {
      throw Errors.invalidInput("read", "API keys " + file, "the file holds no keys", "Write one 'name: key' per line.");
    }
    return keys;
  }

  private static Path existing(TreelineConfig config, io.treeline.core.config.ConfigKey key) {
    String value = config.get(key);
    if (value.isEmpty()) {
      throw Errors.invalidInput("start", "the prediction server", key.key() + " is not set", "Set it (docs/serving.md), or change serving.auth.type.");
    }
    Path path = Path.of(value);
    if (!Files.isReadable(path)) {
      throw Errors.invalidInput("start", "the prediction server", key.key() + " names " + path + ", which cannot be read", "Check the path.");
    }
    return path;
  }

  private static int positive(TreelineConfig config, io.treeline.core.config.ConfigKey key) {
    int value = config.getInt(key);
    if (value <= 0) {
      throw Errors.invalidInput("start", "the prediction server", key.key() + " is " + value, "Set a positive number.");
    }
    return value;
  }
}
