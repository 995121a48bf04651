package io.treeline.core.lake;

import io.treeline.core.config.ConfigKeys;
import io.treeline.core.config.TreelineConfig;
import io.treeline.core.error.Errors;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;

/**
 * The {@code lake.s3.*} settings as the S3A connector's {@code fs.s3a.*} Hadoop settings. Credentials
 * are deliberately not among them: S3A asks the AWS default chain, so no secret passes through
 * Treeline's configuration. {@code spark.conf.spark.hadoop.fs.s3a.*} still overrides any of these.
 */
public final class S3LakeSettings {
  static final String CREDENTIALS_PROVIDER = "fs.s3a.aws.credentials.provider";

  /**
   * Session and static keys from fs.s3a.* when someone set them (S3-compatible servers, tests), then
   * the SDK's whole default chain.
   */
  static final String CREDENTIALS_PROVIDERS = String.join(",",
      "org.apache.hadoop.fs.s3a.TemporaryAWSCredentialsProvider",
      "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider",
      AwsDefaultCredentials.class.getName());

  private S3LakeSettings() {}

  /** The Hadoop settings, keyed without the {@code spark.hadoop.} prefix; fails on SSE-KMS without a key. */
  public static Map<String, String> hadoopSettings(TreelineConfig config) {
    Map<String, String> settings = new LinkedHashMap<>();
    settings.put(CREDENTIALS_PROVIDER, CREDENTIALS_PROVIDERS);
    String endpoint = config.get(ConfigKeys.LAKE_S3_ENDPOINT).trim();
    if (!endpoint.isEmpty()) {
      settings.put("fs.s3a.endpoint", endpoint);
      settings.put("fs.s3a.connection.ssl.enabled", Boolean.toString(!endpoint.startsWith("http://")));
    }
    String region = config.get(ConfigKeys.LAKE_S3_REGION).trim();
    if (!region.isEmpty()) {
      settings.put("fs.s3a.endpoint.region", region);
    }
    settings.put("fs.s3a.path.style.access", Boolean.toString(config.getBoolean(ConfigKeys.LAKE_S3_PATH_STYLE_ACCESS)));
    String encryption = config.get(ConfigKeys.LAKE_S3_SERVER_SIDE_ENCRYPTION);
    String kmsKey = config.get(ConfigKeys.LAKE_S3_KMS_KEY_ID).trim();
    switch (encryption) {
      case "SSE-S3" -> settings.put("fs.s3a.encryption.algorithm", "AES256"); // S3A's name for SSE-S3
      case "SSE-KMS" -> {
        if (kmsKey.isEmpty()) {
          throw Errors.invalidInput("use", "lake.s3.server-side-encryption SSE-KMS", "lake.s3.kms-key-id is empty",
              "Set lake.s3.kms-key-id to the KMS key's ID, alias or ARN, or choose SSE-S3.");
        }
        settings.put("fs.s3a.encryption.algorithm", "SSE-KMS");
        settings.put("fs.s3a.encryption.key", kmsKey);
      }
      default -> { } // none: whatever the bucket's default encryption is
    }
    return settings;
  }

  /** Sets the S3A settings on {@code conf}, then the {@code spark.hadoop.*} settings of spark.conf over them. */
  public static void applyTo(Configuration conf, TreelineConfig config) {
    hadoopSettings(config).forEach(conf::set);
    config.sparkConf().forEach((key, value) -> {
      if (key.startsWith("spark.hadoop.")) {
        conf.set(key.substring("spark.hadoop.".length()), value);
      }
    });
  }
}
