package io.treeline.core.config;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/** Every Treeline setting, its default and its meaning. conf/treeline.yaml documents the same defaults. */
public final class ConfigKeys {
  private ConfigKeys() {}

  public static final ConfigKey LAKE_ROOT =
      new ConfigKey("lake.root", ConfigType.TEXT, "./lake",
          "Root of the lake: a local directory (relative to the working directory) or an s3a:// URI.");

  // The lake on S3. Credentials are never settings: they come from the AWS default chain (docs/operations.md).
  public static final ConfigKey LAKE_S3_ENDPOINT =
      new ConfigKey("lake.s3.endpoint", ConfigType.TEXT, "",
          "S3 endpoint URL for an s3a:// lake, e.g. http://127.0.0.1:9000 for an S3-compatible server; empty uses AWS's endpoint for the region.");
  public static final ConfigKey LAKE_S3_REGION =
      new ConfigKey("lake.s3.region", ConfigType.TEXT, "",
          "AWS region of the lake's bucket, e.g. eu-west-1; empty lets S3A find it (AWS_REGION, the profile, or the bucket).");
  public static final ConfigKey LAKE_S3_PATH_STYLE_ACCESS =
      new ConfigKey("lake.s3.path-style-access", ConfigType.BOOL, "false",
          "Address buckets as endpoint/bucket rather than bucket.endpoint; most S3-compatible servers need true.");
  public static final ConfigKey LAKE_S3_SERVER_SIDE_ENCRYPTION =
      new ConfigKey("lake.s3.server-side-encryption", ConfigType.oneOf("none", "SSE-S3", "SSE-KMS"), "none",
          "Server-side encryption of every object Treeline writes: none (the bucket's default), SSE-S3 or SSE-KMS.");
  public static final ConfigKey LAKE_S3_KMS_KEY_ID =
      new ConfigKey("lake.s3.kms-key-id", ConfigType.TEXT, "",
          "The KMS key (ID, alias or ARN) for SSE-KMS; required with SSE-KMS.");

  public static final ConfigKey SPARK_MASTER =
      new ConfigKey("spark.master", ConfigType.TEXT, "local[*]",
          "Spark master when Treeline starts Spark itself; ignored under spark-submit, which sets its own.");
  public static final ConfigKey SPARK_UI_ENABLED =
      new ConfigKey("spark.ui-enabled", ConfigType.BOOL, "false", "Start the Spark web UI (port 4040).");
  public static final ConfigKey SPARK_SHUFFLE_PARTITIONS =
      new ConfigKey("spark.shuffle-partitions", ConfigType.INT, "0",
          "spark.sql.shuffle.partitions; 0 sizes it for the machine (twice the cores).");

  /** Prefix of free-form Spark settings: {@code spark.conf.spark.sql.adaptive.enabled: true}. */
  public static final String SPARK_CONF_PREFIX = "spark.conf.";

  public static final ConfigKey FEATURES_DIR =
      new ConfigKey("features.dir", ConfigType.TEXT, "conf/features",
          "Directory of feature view files (*.yaml); a relative path is tried in the working directory, then in the installation.");

  public static final ConfigKey PIPELINES_DIR =
      new ConfigKey("pipelines.dir", ConfigType.TEXT, "conf/pipelines",
          "Directory of pipeline files (*.yaml); a relative path is tried in the working directory, then in the installation.");

  public static final ConfigKey REGISTRY_TYPE =
      new ConfigKey("registry.type", ConfigType.oneOf("lake", "mlflow"), "lake",
          "Model registry: the lake registry (Delta tables under the lake) or an MLflow tracking server.");
  public static final ConfigKey REGISTRY_MLFLOW_TRACKING_URI =
      new ConfigKey("registry.mlflow.tracking-uri", ConfigType.TEXT, "",
          "MLflow tracking server URL, e.g. http://127.0.0.1:5000. Credentials come from MLFLOW_TRACKING_TOKEN "
              + "or MLFLOW_TRACKING_USERNAME/MLFLOW_TRACKING_PASSWORD, never from this file.");

  public static final ConfigKey ONLINE_STORE_TYPE =
      new ConfigKey("online-store.type", ConfigType.oneOf("embedded", "redis"), "embedded",
          "Online store: embedded (inside the serving process, fed from the lake) or Redis.");
  public static final ConfigKey ONLINE_STORE_REDIS_URL =
      new ConfigKey("online-store.redis.url", ConfigType.TEXT, "redis://127.0.0.1:6379",
          "Redis URL when online-store.type is redis.");
  public static final ConfigKey ONLINE_STORE_REDIS_CA_FILE =
      new ConfigKey("online-store.redis.ca-file", ConfigType.TEXT, "",
          "PEM file of the certificate authorities a rediss:// server's certificate must chain to, instead of the JVM's.");

  public static final ConfigKey STREAM_KAFKA_BOOTSTRAP_SERVERS =
      new ConfigKey("stream.kafka.bootstrap-servers", ConfigType.TEXT, "",
          "Kafka bootstrap servers for streaming features; empty means the embedded file source (stream.files.dir).");
  public static final ConfigKey STREAM_KAFKA_TOPIC =
      new ConfigKey("stream.kafka.topic", ConfigType.TEXT, "flights", "Topic the events are read from (treeline stream) and written to (treeline replay).");
  public static final ConfigKey STREAM_KAFKA_STARTING_OFFSETS =
      new ConfigKey("stream.kafka.starting-offsets", ConfigType.TEXT, "earliest",
          "Where a stream without a checkpoint starts: earliest, latest, or Spark's JSON of offsets per partition. A checkpoint always wins.");
  public static final ConfigKey STREAM_KAFKA_MAX_OFFSETS_PER_TRIGGER =
      new ConfigKey("stream.kafka.max-offsets-per-trigger", ConfigType.INT, "0", "Most events one micro-batch reads from Kafka; 0 is no limit.");
  public static final ConfigKey STREAM_KAFKA_FAIL_ON_DATA_LOSS =
      new ConfigKey("stream.kafka.fail-on-data-loss", ConfigType.BOOL, "true",
          "Stop the stream when offsets it has not read are gone (deleted by retention, or the topic recreated) rather than skip them.");
  public static final ConfigKey STREAM_KAFKA_SECURITY_PROTOCOL =
      new ConfigKey("stream.kafka.security-protocol", ConfigType.oneOf("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"), "PLAINTEXT",
          "How Treeline talks to the brokers.");
  public static final ConfigKey STREAM_KAFKA_SASL_MECHANISM =
      new ConfigKey("stream.kafka.sasl-mechanism", ConfigType.oneOf("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"), "PLAIN", "SASL mechanism with SASL_*.");
  public static final ConfigKey STREAM_KAFKA_SASL_USERNAME =
      new ConfigKey("stream.kafka.sasl-username", ConfigType.TEXT, "", "SASL user name with SASL_*.");
  public static final ConfigKey STREAM_KAFKA_SASL_PASSWORD =
      new ConfigKey("stream.kafka.sasl-password", ConfigType.TEXT, "",
          "SASL password; set it with TREELINE_STREAM_KAFKA_SASL_PASSWORD rather than in a file. Never logged.");
  public static final ConfigKey STREAM_KAFKA_SSL_TRUSTSTORE =
      new ConfigKey("stream.kafka.ssl-truststore", ConfigType.TEXT, "", "Trust store (PKCS12) for SSL/SASL_SSL; empty uses the JVM's.");
  public static final ConfigKey STREAM_KAFKA_SSL_TRUSTSTORE_PASSWORD =
      new ConfigKey("stream.kafka.ssl-truststore-password", ConfigType.TEXT, "",
          "The trust store's password; set it with TREELINE_STREAM_KAFKA_SSL_TRUSTSTORE_PASSWORD rather than in a file. Never logged.");
  public static final ConfigKey STREAM_FILES_DIR =
      new ConfigKey("stream.files.dir", ConfigType.TEXT, "",
          "Without Kafka: the directory of JSON event files (one event a line) the stream reads; empty means <lake.root>/events/<topic>.");
  public static final ConfigKey STREAM_FILES_MAX_PER_TRIGGER =
      new ConfigKey("stream.files.max-files-per-trigger", ConfigType.INT, "0", "Most event files one micro-batch reads; 0 is no limit.");
  public static final ConfigKey STREAM_TRIGGER_SECONDS =
      new ConfigKey("stream.trigger-seconds", ConfigType.INT, "5", "Seconds between micro-batches (a batch that takes longer starts the next at once).");
  public static final ConfigKey STREAM_WATERMARK_MINUTES =
      new ConfigKey("stream.watermark-minutes", ConfigType.INT, "60",
          "How late (in event time, behind the newest event seen) an event may arrive and still count; later ones go to the dead letters.");
  public static final ConfigKey STREAM_ONLINE_LANE =
      new ConfigKey("stream.online-lane", ConfigType.BOOL, "true",
          "Update an online view's values event by event, apart from the micro-batches into Delta (about a second behind the events); "
              + "false leaves the online write to the micro-batches.");
  public static final ConfigKey STREAM_ONLINE_LANE_INTERVAL_MS =
      new ConfigKey("stream.online-lane-interval-ms", ConfigType.INT, "100", "How often the online lane writes the values that changed (milliseconds).");
  public static final ConfigKey STREAM_CHECKPOINT_DIR =
      new ConfigKey("stream.checkpoint-dir", ConfigType.TEXT, "",
          "Where each view's stream keeps its checkpoint (one directory per view); empty means <lake.root>/checkpoints/stream.");

  public static final ConfigKey SERVING_HOST =
      new ConfigKey("serving.host", ConfigType.TEXT, "127.0.0.1", "Address the prediction server binds to.");
  public static final ConfigKey SERVING_PORT =
      new ConfigKey("serving.port", ConfigType.INT, "8080", "Port of the prediction server.");
  public static final ConfigKey SERVING_MAX_BATCH_SIZE =
      new ConfigKey("serving.max-batch-size", ConfigType.INT, "1000", "Most records one prediction request may carry.");
  public static final ConfigKey SERVING_MAX_BODY_BYTES =
      new ConfigKey("serving.max-body-bytes", ConfigType.INT, "1048576", "Largest request body the prediction server reads; larger ones get 413.");
  public static final ConfigKey SERVING_POLL_INTERVAL_SECONDS =
      new ConfigKey("serving.poll-interval-seconds", ConfigType.INT, "30",
          "How often the server checks the registry for moved aliases (and the embedded store for new feature values); 0 never.");
  public static final ConfigKey SERVING_SHUTDOWN_GRACE_SECONDS =
      new ConfigKey("serving.shutdown-grace-seconds", ConfigType.INT, "10", "How long a stopping server lets requests in flight finish.");
  public static final ConfigKey SERVING_SHUTDOWN_DRAIN_SECONDS =
      new ConfigKey("serving.shutdown-drain-seconds", ConfigType.INT, "5",
          "How long a stopping server keeps answering, with /ready at 503, before it stops accepting connections (so load balancers notice).");
  public static final ConfigKey SERVING_MAX_REQUEST_HEADER_BYTES =
      new ConfigKey("serving.max-request-header-bytes", ConfigType.INT, "16384",
          "Largest request line plus headers the server reads (room for a JWT with claims); larger ones get 431, a longer URL 414.");
  public static final ConfigKey SERVING_AUTH_TYPE =
      new ConfigKey("serving.auth.type", ConfigType.oneOf("none", "api-key", "jwt"), "none",
          "Authentication on the prediction routes: none, api-key (serving.auth.api-keys-file) or jwt (serving.auth.jwt.*).");
  public static final ConfigKey SERVING_AUTH_API_KEYS_FILE =
      new ConfigKey("serving.auth.api-keys-file", ConfigType.TEXT, "", "File of API keys, one 'name: key' per line; the name is the caller.");
  public static final ConfigKey SERVING_AUTH_JWT_ALGORITHM =
      new ConfigKey("serving.auth.jwt.algorithm", ConfigType.oneOf("rs256", "hs256"), "rs256",
          "The one JWT signature algorithm accepted; tokens naming any other (or none) are refused.");
  public static final ConfigKey SERVING_AUTH_JWT_KEY_FILE =
      new ConfigKey("serving.auth.jwt.key-file", ConfigType.TEXT, "",
          "RS256: the issuer's RSA public key (PEM, BEGIN PUBLIC KEY). HS256: the shared secret, at least 32 bytes.");
  public static final ConfigKey SERVING_AUTH_JWT_ISSUER =
      new ConfigKey("serving.auth.jwt.issuer", ConfigType.TEXT, "", "The iss every token must carry; empty does not check it.");
  public static final ConfigKey SERVING_AUTH_JWT_AUDIENCE =
      new ConfigKey("serving.auth.jwt.audience", ConfigType.TEXT, "", "An aud every token must include; empty does not check it.");
  public static final ConfigKey SERVING_RATE_LIMIT_PER_SECOND =
      new ConfigKey("serving.rate-limit.per-second", ConfigType.INT, "0",
          "Prediction requests per second per caller (API key, token subject, or client address without auth); 0 is no limit.");
  public static final ConfigKey SERVING_RATE_LIMIT_BURST =
      new ConfigKey("serving.rate-limit.burst", ConfigType.INT, "0", "Requests a caller may send at once above the rate; 0 means one second's worth.");
  public static final ConfigKey SERVING_TLS_KEY_STORE =
      new ConfigKey("serving.tls.key-store", ConfigType.TEXT, "", "A PKCS12 key store to serve HTTPS from; empty serves plain HTTP.");
  public static final ConfigKey SERVING_TLS_KEY_STORE_PASSWORD =
      new ConfigKey("serving.tls.key-store-password", ConfigType.TEXT, "",
          "The key store's password; set it with TREELINE_SERVING_TLS_KEY_STORE_PASSWORD rather than in a file.");

  public static final ConfigKey SERVING_ACCESS_LOG =
      new ConfigKey("serving.access-log", ConfigType.BOOL, "true",
          "Log one event per request (logger treeline.access): request id, method, path, model, version, status, latency, trace id.");
  public static final ConfigKey SERVING_TRACING_OTLP_ENDPOINT =
      new ConfigKey("serving.tracing.otlp-endpoint", ConfigType.TEXT, "",
          "OTLP/HTTP traces endpoint to export serving's spans to, e.g. http://collector:4318/v1/traces; empty turns tracing off.");
  public static final ConfigKey SERVING_TRACING_SAMPLE_RATIO =
      new ConfigKey("serving.tracing.sample-ratio", ConfigType.TEXT, "1.0",
          "Share of new traces recorded, 0.0 to 1.0; a request whose traceparent says sampled is always recorded (parent-based).");
  public static final ConfigKey SERVING_TRACING_SERVICE_NAME =
      new ConfigKey("serving.tracing.service-name", ConfigType.TEXT, "treeline-serving", "service.name of the exported spans.");
  public static final ConfigKey SERVING_TRACING_RESOURCE_ATTRIBUTES =
      new ConfigKey("serving.tracing.resource-attributes", ConfigType.TEXT, "",
          "More resource attributes of the exported spans, as key=value pairs separated by commas (e.g. deployment.environment=prod).");

  public static final ConfigKey SERVING_INFERENCE_LOG_ENABLED =
      new ConfigKey("serving.inference-log.enabled", ConfigType.BOOL, "true",
          "Record the server's predictions in the lake's inference log table (docs/serving.md#inference-log), off the request path.");
  public static final ConfigKey SERVING_INFERENCE_LOG_SAMPLE =
      new ConfigKey("serving.inference-log.sample", ConfigType.TEXT, "1.0",
          "Share of prediction requests recorded, 0.0 to 1.0; all the records of a sampled request are recorded.");
  public static final ConfigKey SERVING_INFERENCE_LOG_TABLE =
      new ConfigKey("serving.inference-log.table", ConfigType.TEXT, "monitoring.inference_log",
          "The lake table (namespace.table) the inference log appends to; created on the first write.");
  public static final ConfigKey SERVING_INFERENCE_LOG_QUEUE_CAPACITY =
      new ConfigKey("serving.inference-log.queue-capacity", ConfigType.INT, "20000",
          "Records waiting to be written; when full, new records are dropped and counted, never waited for.");
  public static final ConfigKey SERVING_INFERENCE_LOG_BATCH_ROWS =
      new ConfigKey("serving.inference-log.batch-rows", ConfigType.INT, "5000", "Most records appended in one Delta commit.");
  public static final ConfigKey SERVING_INFERENCE_LOG_FLUSH_INTERVAL_MS =
      new ConfigKey("serving.inference-log.flush-interval-ms", ConfigType.INT, "1000",
          "Longest a record waits before its batch is committed (or, with a spool, before its spool file is closed): at most this much is lost"
              + " if the server is killed without a spool.");
  public static final ConfigKey SERVING_INFERENCE_LOG_SPOOL_DIR =
      new ConfigKey("serving.inference-log.spool-dir", ConfigType.TEXT, "",
          "Local directory the writer appends records to while the server is busy, committing them to the table later (docs/serving.md#inference-log);"
              + " empty: <java.io.tmpdir>/treeline-inference-spool/PORT-TABLE when the port is fixed, none on a random port; off: never spool.");
  public static final ConfigKey SERVING_INFERENCE_LOG_SPOOL_BUSY_RATE =
      new ConfigKey("serving.inference-log.spool-busy-rate", ConfigType.INT, "1000",
          "Records a second above which the server counts as busy: the writer then only spools, and commits when the rate falls below it.");
  public static final ConfigKey SERVING_INFERENCE_LOG_SPOOL_MAX_DELAY_SECONDS =
      new ConfigKey("serving.inference-log.spool-max-delay-seconds", ConfigType.INT, "300",
          "Longest a spooled record waits for its commit, busy or not: under sustained load, rows reach the table this late at most.");
  public static final ConfigKey SERVING_INFERENCE_LOG_SPOOL_MAX_MB =
      new ConfigKey("serving.inference-log.spool-max-mb", ConfigType.INT, "1024",
          "Most the spool holds (MiB): past half of it its files are committed even while busy; when full, new records are dropped and counted.");
  public static final ConfigKey SERVING_INFERENCE_LOG_SERVER_ID =
      new ConfigKey("serving.inference-log.server-id", ConfigType.TEXT, "",
          "The server column of the rows this replica writes; empty means host name:pid.");

  public static final ConfigKey SERVING_ROUTES =
      new ConfigKey("serving.routes", ConfigType.TEXT, "",
          "Traffic splits served beside --route, separated by ';': NAME=ARM:WEIGHT,ARM:WEIGHT (an arm is an alias, a version or MODEL@ALIAS).");
  public static final ConfigKey SERVING_SHADOWS =
      new ConfigKey("serving.shadows", ConfigType.TEXT, "",
          "Shadows served beside --shadow, separated by ';': NAME=ARM, scored on the same inputs off the request path and never answered.");
  public static final ConfigKey SERVING_ROUTE_KEY =
      new ConfigKey("serving.route-key", ConfigType.TEXT, "",
          "What keeps a caller on one arm of a route: header:NAME (e.g. header:X-Caller-Id) or field:NAME (the first record's field); empty is random.");
  public static final ConfigKey SERVING_SHADOW_QUEUE_CAPACITY =
      new ConfigKey("serving.shadow.queue-capacity", ConfigType.INT, "1000",
          "Requests waiting for their shadows to be scored; when full, a request's shadows are skipped and counted, never waited for.");
  public static final ConfigKey SERVING_SHADOW_THREADS =
      new ConfigKey("serving.shadow.threads", ConfigType.INT, "1", "Threads scoring shadows, off the request path.");

  public static final ConfigKey LOG_FORMAT =
      new ConfigKey("log.format", ConfigType.oneOf("text", "json"), "text",
          "The log on stderr: text lines for people, or json (one object a line) for log collectors; --log-format overrides it.");
  public static final ConfigKey MONITORING_PUSHGATEWAY_URL =
      new ConfigKey("monitoring.pushgateway.url", ConfigType.TEXT, "",
          "Prometheus Pushgateway that batch jobs and streams push their figures to, e.g. http://pushgateway:9091; empty pushes nothing.");
  public static final ConfigKey MONITORING_PUSHGATEWAY_JOB =
      new ConfigKey("monitoring.pushgateway.job", ConfigType.TEXT, "treeline",
          "The job label of everything pushed; each push is grouped under it by command (and view, for streams).");
  public static final ConfigKey MONITORING_PUSHGATEWAY_INSTANCE =
      new ConfigKey("monitoring.pushgateway.instance", ConfigType.TEXT, "",
          "An instance label added to the grouping key, to tell apart schedules of one command (e.g. daily, hourly); empty adds none.");
  public static final ConfigKey MONITORING_PUSHGATEWAY_USERNAME =
      new ConfigKey("monitoring.pushgateway.username", ConfigType.TEXT, "", "Basic-auth user for the Pushgateway; empty sends no credentials.");
  public static final ConfigKey MONITORING_PUSHGATEWAY_PASSWORD =
      new ConfigKey("monitoring.pushgateway.password", ConfigType.TEXT, "",
          "Basic-auth password; set it with TREELINE_MONITORING_PUSHGATEWAY_PASSWORD rather than in a file. Never logged.");
  public static final ConfigKey MONITORING_PUSHGATEWAY_TIMEOUT_SECONDS =
      new ConfigKey("monitoring.pushgateway.timeout-seconds", ConfigType.INT, "5",
          "How long one push may take before it is given up with a warning; a push never changes a job's exit code.");

  public static final ConfigKey MONITORING_DRIFT_PSI_THRESHOLD =
      new ConfigKey("monitoring.drift.psi-threshold", ConfigType.TEXT, "0.2",
          "treeline monitor flags a model input whose population stability index against the training set exceeds this in a period (0.1 watch, 0.2 act, 0.25 major shift). A model whose pipeline sets monitoring.drift.psi_threshold uses that, unless this is given with --conf or its environment variable.");
  public static final ConfigKey MONITORING_DRIFT_FEATURE_THRESHOLDS =
      new ConfigKey("monitoring.drift.feature-thresholds", ConfigType.TEXT, "",
          "PSI thresholds of single inputs as name=value pairs separated by commas (e.g. distance=0.1,prediction=0.25); inputs computed from the event time alone are only reported unless named here. The pipeline's monitoring.drift.feature_thresholds win input by input, unless this is given with --conf or its environment variable.");
  public static final ConfigKey MONITORING_DRIFT_REFERENCE_ROWS =
      new ConfigKey("monitoring.drift.reference-rows", ConfigType.INT, "200000",
          "At most this many training rows (a fixed-seed sample) are the reference distributions of treeline monitor.");
  public static final ConfigKey MONITORING_SKEW_THRESHOLD =
      new ConfigKey("monitoring.skew.threshold", ConfigType.TEXT, "0.01",
          "treeline monitor flags a feature view when more than this share of logged requests got a looked-up value that differs from the offline point-in-time value. The pipeline's monitoring.skew.threshold wins unless this is given with --conf or its environment variable.");
  public static final ConfigKey MONITORING_QUALITY_AUC_MARGIN =
      new ConfigKey("monitoring.quality.auc-margin", ConfigType.TEXT, "0.05",
          "treeline monitor flags a period whose live AUC is below the version's test AUC by more than this. The pipeline's monitoring.quality.auc_margin wins unless this is given with --conf or its environment variable.");

  public static final ConfigKey DATA_CACHE_DIR =
      new ConfigKey("data.cache-dir", ConfigType.TEXT, "",
          "Where downloaded packages are kept between runs; empty means ~/.cache/treeline/downloads.");

  public static final List<ConfigKey> ALL =
      List.of(
          LAKE_ROOT,
          LAKE_S3_ENDPOINT,
          LAKE_S3_REGION,
          LAKE_S3_PATH_STYLE_ACCESS,
          LAKE_S3_SERVER_SIDE_ENCRYPTION,
          LAKE_S3_KMS_KEY_ID,
          SPARK_MASTER,
          SPARK_UI_ENABLED,
          SPARK_SHUFFLE_PARTITIONS,
          FEATURES_DIR,
          PIPELINES_DIR,
          REGISTRY_TYPE,
          REGISTRY_MLFLOW_TRACKING_URI,
          ONLINE_STORE_TYPE,
          ONLINE_STORE_REDIS_URL,
          ONLINE_STORE_REDIS_CA_FILE,
          STREAM_KAFKA_BOOTSTRAP_SERVERS,
          STREAM_KAFKA_TOPIC,
          STREAM_KAFKA_STARTING_OFFSETS,
          STREAM_KAFKA_MAX_OFFSETS_PER_TRIGGER,
          STREAM_KAFKA_FAIL_ON_DATA_LOSS,
          STREAM_KAFKA_SECURITY_PROTOCOL,
          STREAM_KAFKA_SASL_MECHANISM,
          STREAM_KAFKA_SASL_USERNAME,
          STREAM_KAFKA_SASL_PASSWORD,
          STREAM_KAFKA_SSL_TRUSTSTORE,
          STREAM_KAFKA_SSL_TRUSTSTORE_PASSWORD,
          STREAM_FILES_DIR,
          STREAM_FILES_MAX_PER_TRIGGER,
          STREAM_TRIGGER_SECONDS,
          STREAM_WATERMARK_MINUTES,
          STREAM_ONLINE_LANE,
          STREAM_ONLINE_LANE_INTERVAL_MS,
          STREAM_CHECKPOINT_DIR,
          SERVING_HOST,
          SERVING_PORT,
          SERVING_MAX_BATCH_SIZE,
          SERVING_MAX_BODY_BYTES,
          SERVING_POLL_INTERVAL_SECONDS,
          SERVING_SHUTDOWN_GRACE_SECONDS,
          SERVING_SHUTDOWN_DRAIN_SECONDS,
          SERVING_MAX_REQUEST_HEADER_BYTES,
          SERVING_AUTH_TYPE,
          SERVING_AUTH_API_KEYS_FILE,
          SERVING_AUTH_JWT_ALGORITHM,
          SERVING_AUTH_JWT_KEY_FILE,
          SERVING_AUTH_JWT_ISSUER,
          SERVING_AUTH_JWT_AUDIENCE,
          SERVING_RATE_LIMIT_PER_SECOND,
          SERVING_RATE_LIMIT_BURST,
          SERVING_TLS_KEY_STORE,
          SERVING_TLS_KEY_STORE_PASSWORD,
          SERVING_ACCESS_LOG,
          SERVING_ROUTES,
          SERVING_SHADOWS,
          SERVING_ROUTE_KEY,
          SERVING_SHADOW_QUEUE_CAPACITY,
          SERVING_SHADOW_THREADS,
          SERVING_TRACING_OTLP_ENDPOINT,
          SERVING_TRACING_SAMPLE_RATIO,
          SERVING_TRACING_SERVICE_NAME,
          SERVING_TRACING_RESOURCE_ATTRIBUTES,
          SERVING_INFERENCE_LOG_ENABLED,
          SERVING_INFERENCE_LOG_SAMPLE,
          SERVING_INFERENCE_LOG_TABLE,
          SERVING_INFERENCE_LOG_QUEUE_CAPACITY,
          SERVING_INFERENCE_LOG_BATCH_ROWS,
          SERVING_INFERENCE_LOG_FLUSH_INTERVAL_MS,
          SERVING_INFERENCE_LOG_SPOOL_DIR,
          SERVING_INFERENCE_LOG_SPOOL_BUSY_RATE,
          SERVING_INFERENCE_LOG_SPOOL_MAX_DELAY_SECONDS,
          SERVING_INFERENCE_LOG_SPOOL_MAX_MB,
          SERVING_INFERENCE_LOG_SERVER_ID,
          LOG_FORMAT,
          MONITORING_PUSHGATEWAY_URL,
          MONITORING_PUSHGATEWAY_JOB,
          MONITORING_PUSHGATEWAY_INSTANCE,
          MONITORING_PUSHGATEWAY_USERNAME,
          MONITORING_PUSHGATEWAY_PASSWORD,
          MONITORING_PUSHGATEWAY_TIMEOUT_SECONDS,
          MONITORING_DRIFT_PSI_THRESHOLD,
          MONITORING_DRIFT_FEATURE_THRESHOLDS,
          MONITORING_DRIFT_REFERENCE_ROWS,
          MONITORING_SKEW_THRESHOLD,
          MONITORING_QUALITY_AUC_MARGIN,
          DATA_CACHE_DIR);

  private static final Map<String, ConfigKey> BY_NAME =
      ALL.stream().collect(Collectors.toUnmodifiableMap(ConfigKey::key, Function.identity()));

  public static Optional<ConfigKey> find(String key) {
    return Optional.ofNullable(BY_NAME.get(key));
  }
}
