package io.treeline.jobs.monitoring;

import io.treeline.core.config.ConfigKeys;
import io.treeline.core.config.TreelineConfig;
import io.treeline.core.error.Errors;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/** Where and as whom jobs push their figures; absent when monitoring.pushgateway.url is empty. */
public record PushgatewaySettings(URI url, String job, String instance, String username, String password, Duration timeout) {

  public static Optional<PushgatewaySettings> from(TreelineConfig config) {
    String url = config.get(ConfigKeys.MONITORING_PUSHGATEWAY_URL).strip();
    if (url.isEmpty()) {
      return Optional.empty();
    }
    URI uri;
    try {
      uri = URI.create(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
    } catch (IllegalArgumentException e) {
      uri = null;
    }
    // Credentials belong in .username/.password, where they are redacted; a URL is printed in warnings.
    if (url.contains("@")) {
      throw Errors.invalidInput("use", "monitoring.pushgateway.url", "it carries user information (user:password@)",
          "Put the user in monitoring.pushgateway.username and the password in TREELINE_MONITORING_PUSHGATEWAY_PASSWORD.");
    }
    if (uri == null || uri.getHost() == null || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))) {
      throw Errors.invalidInput("use", "monitoring.pushgateway.url " + url, "it is not an http:// or https:// URL",
          "Set it to the Pushgateway's address, e.g. http://pushgateway:9091, or leave it empty to push nothing.");
    }
    String job = config.get(ConfigKeys.MONITORING_PUSHGATEWAY_JOB).strip();
    if (job.isEmpty()) {
      throw Errors.invalidInput("use", "monitoring.pushgateway.job", "it is empty", "Give the job label pushes are grouped under, e.g. treeline.");
    }
    int timeout = Integer.parseInt(config.get(ConfigKeys.MONITORING_PUSHGATEWAY_TIMEOUT_SECONDS));
    if (timeout <= 0) {
      throw Errors.invalidInput("use", "monitoring.pushgateway.timeout-seconds " + timeout, "it must be positive", "Set it to e.g. 5.");
    }
    return Optional.of(new PushgatewaySettings(uri, job, config.get(ConfigKeys.MONITORING_PUSHGATEWAY_INSTANCE).strip(),
        config.get(ConfigKeys.MONITORING_PUSHGATEWAY_USERNAME), config.get(ConfigKeys.MONITORING_PUSHGATEWAY_PASSWORD), Duration.ofSeconds(timeout)));
  }

  @Override
  public String toString() {
    return "PushgatewaySettings[url=" + url + ", job=" + job + ", instance=" + instance + ", username=" + username
        + ", password=" + (password.isEmpty() ? "" : "***") + ", timeout=" + timeout + "]";
  }
}
