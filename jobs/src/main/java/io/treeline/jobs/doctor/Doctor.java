package io.treeline.jobs.doctor;

import io.treeline.core.json.JsonObjects;
import io.treeline.core.config.ConfigKeys;
import io.treeline.core.config.TreelineConfig;
import io.treeline.core.error.Errors;
import io.treeline.core.error.TreelineException;
import io.treeline.core.lake.LakeAccess;
import io.treeline.featurestore.online.RedisOnlineReader;
import io.treeline.featurestore.online.RedisTls;
import io.treeline.jobs.runtime.Job;
import io.treeline.jobs.runtime.JobContext;
import io.treeline.jobs.runtime.JobResult;
import io.treeline.jobs.runtime.TreelineVersion;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reports the versions in use, the lake root and whether it can be written, and which optional
 * services are configured and answer. It never starts Spark, so it works when Spark cannot.
 */
public final class Doctor implements Job<Doctor.Result> {
  private static final int TIMEOUT_MILLIS = 2000;

  public record Check(String name, String status, String detail) {
    boolean failed() {
      return status.equals("FAIL");
    }
  }

  public record Result(List<Check> checks) implements JobResult {
    public long failures() {
      return checks.stream().filter(Check::failed).count();
    }

    @Override
    public String summaryLine() {
      return failures() == 0 ? "All checks passed." : failures() + " check(s) failed.";
    }

    @Override
    public Map<String, Object> summary() {
      Map<String, Object> summary = new LinkedHashMap<>();
      checks.forEach(c -> summary.put(c.name(), JsonObjects.of("status", c.status(), "detail", c.detail())));
      return summary;
    }
  }

  @Override
  public Result run(JobContext context) {
    TreelineConfig config = context.config();
    List<Check> checks = new ArrayList<>();
    checks.add(new Check("treeline", "OK", TreelineVersion.treeline()));
    checks.add(new Check("java", "OK", System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ", "
        + System.getProperty("java.home") + ")"));
    checks.add(new Check("spark", "OK", TreelineVersion.spark() + " (Scala " + scala.util.Properties.versionNumberString() + ")"));
    checks.add(new Check("delta", "OK", TreelineVersion.delta()));
    checks.add(new Check("config", "OK", "lake.root from " + config.sourceOf(ConfigKeys.LAKE_ROOT)));
    checks.add(lake(context));
    checks.add(registry(config));
    checks.add(onlineStore(config));
    checks.add(kafka(config));
    checks.forEach(c -> context.out().printf("%-12s %-4s %s%n", c.name(), c.status(), c.detail()));
    Result result = new Result(checks);
    if (checks.stream().anyMatch(c -> c.name().equals("lake") && c.failed())) {
      throw Errors.invalidInput("write", "lake root " + context.layout().root(),
          checks.stream().filter(c -> c.name().equals("lake")).findFirst().orElseThrow().detail(),
          "Set lake.root (or TREELINE_LAKE_ROOT, or --conf lake.root=DIR) to a directory this user can write.");
    }
    if (result.failures() > 0) {
      throw Errors.jobFailed("reach", "configured services", result.summaryLine(), "See the FAIL lines above.", null);
    }
    return result;
  }

  private static Check lake(JobContext context) {
    // Outside the try: a wrong lake.s3.* setting is its own error with its own remedy, not an unwritable lake.
    org.apache.hadoop.conf.Configuration hadoop = context.hadoopConf();
    try {
      LakeAccess.requireWritable(context.layout(), hadoop);
      return new Check("lake", "OK", context.layout().root() + " is writable" + (context.layout().isLocal() ? "" : " (" + s3(context.config()) + ")"));
    } catch (TreelineException e) {
      return new Check("lake", "FAIL", e.getMessage());
    }
  }

  /** Where an s3a:// lake is reached and how it is encrypted; never anything about credentials. */
  private static String s3(TreelineConfig config) {
    String endpoint = config.get(ConfigKeys.LAKE_S3_ENDPOINT);
    String region = config.get(ConfigKeys.LAKE_S3_REGION);
    return "endpoint " + (endpoint.isBlank() ? "AWS" : endpoint) + (region.isBlank() ? "" : ", region " + region)
        + ", server-side encryption " + config.get(ConfigKeys.LAKE_S3_SERVER_SIDE_ENCRYPTION);
  }

  private static Check registry(TreelineConfig config) {
    if (config.registryType().equals("lake")) {
      return new Check("registry", "OK", "lake registry (embedded)");
    }
    String uri = io.treeline.registry.ModelRegistries.trackingUri(config);
    if (uri.isBlank()) {
      return new Check("registry", "FAIL", "registry.type is mlflow but neither registry.mlflow.tracking-uri nor MLFLOW_TRACKING_URI is set");
    }
    try {
      HttpURLConnection connection = (HttpURLConnection) URI.create(uri.replaceAll("/+$", "") + "/health").toURL().openConnection();
      connection.setConnectTimeout(TIMEOUT_MILLIS);
      connection.setReadTimeout(TIMEOUT_MILLIS);
      int status = connection.getResponseCode();
      connection.disconnect();
      return status == 200
          ? new Check("registry", "OK", "MLflow at " + uri + " answers")
          : new Check("registry", "FAIL", "MLflow at " + uri + " answered HTTP " + status + " on /health");
    } catch (IOException | IllegalArgumentException e) {
      return new Check("registry", "FAIL", "MLflow at " + uri + " does not answer: " + e.getMessage());
    }
  }

  private static Check onlineStore(TreelineConfig config) {
    if (config.onlineStoreType().equals("embedded")) {
      return new Check("online", "OK", "embedded online store");
    }
    // As the server and the jobs connect: TLS with the configured authorities, the URL's login and database.
    try (RedisOnlineReader redis = new RedisOnlineReader(config.redisUrl(), RedisTls.readCaFile(config.redisCaFile()))) {
      redis.ping();
      return new Check("online", "OK", "Redis at " + shown(config.redisUrl()) + " answers");
    } catch (IOException | RuntimeException e) {
      return new Check("online", "FAIL", e.getMessage());
    }
  }

  /** A Redis URL without what may be a password. */
  private static String shown(String url) {
    URI uri = URI.create(url);
    return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort());
  }

  private static Check kafka(TreelineConfig config) {
    String servers = config.kafkaBootstrapServers();
    if (servers.isBlank()) {
      return new Check("stream", "OK", "file source (embedded); no Kafka configured");
    }
    for (String server : servers.split(",")) {
      String[] hostPort = server.trim().split(":");
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress(hostPort[0], Integer.parseInt(hostPort[1])), TIMEOUT_MILLIS);
        return new Check("stream", "OK", "Kafka broker " + server.trim() + " accepts connections");
      } catch (IOException | RuntimeException e) {
        // try the next bootstrap server
      }
    }
    return new Check("stream", "FAIL", "no Kafka bootstrap server in '" + servers + "' accepts connections");
  }
}
