package io.treeline.serving.inference;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;

/**
 * The {@code serving.inference-log.*} settings with the table they append to.
 *
 * @param sample share of prediction requests recorded, 0 to 1
 * @param queueCapacity records waiting for the writer; past it new ones are dropped
 * @param batchRows most records per commit
 * @param flushInterval longest a record waits for its commit
 * @param server the {@code server} column of this process's rows
 * @param appender where the batches go; null when the log is off
 */
public record InferenceLogSettings(boolean enabled, double sample, int queueCapacity, int batchRows, Duration flushInterval, String server,
    InferenceAppender appender) {
  public static final InferenceLogSettings OFF = new InferenceLogSettings(false, 0, 1, 1, Duration.ofSeconds(1), "off", null);

  public InferenceLogSettings {
    if (!(sample >= 0 && sample <= 1)) {
      throw new IllegalArgumentException("the sample is " + sample + ", not a share from 0.0 to 1.0");
    }
    if (queueCapacity <= 0 || batchRows <= 0 || flushInterval.isNegative() || flushInterval.isZero()) {
      throw new IllegalArgumentException("the queue capacity, batch rows and flush interval must be positive");
    }
    if (enabled && appender == null) {
      throw new IllegalArgumentException("an enabled inference log needs somewhere to write");
    }
    server = server == null || server.isBlank() ? defaultServer() : server;
  }

  public static InferenceLogSettings to(InferenceAppender appender) {
    return new InferenceLogSettings(true, 1.0, 20_000, 5_000, Duration.ofSeconds(1), "", appender);
  }

  public InferenceLogSettings withSample(double sample) {
    return new InferenceLogSettings(enabled, sample, queueCapacity, batchRows, flushInterval, server, appender);
  }

  public InferenceLogSettings withBatching(int queueCapacity, int batchRows, Duration flushInterval) {
    return new InferenceLogSettings(enabled, sample, queueCapacity, batchRows, flushInterval, server, appender);
  }

  public InferenceLogSettings withServer(String server) {
    return new InferenceLogSettings(enabled, sample, queueCapacity, batchRows, flushInterval, server, appender);
  }

  /** host:pid, which tells replicas and restarts apart in the table. */
  static String defaultServer() {
    String host;
    try {
      host = InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      host = System.getenv().getOrDefault("HOSTNAME", "unknown");
    }
    return host + ":" + ProcessHandle.current().pid();
  }

  @Override
  public String toString() {
    return enabled ? "InferenceLogSettings[to " + appender.destination() + ", sample=" + sample + ", queue=" + queueCapacity + ", batch="
        + batchRows + ", flush=" + flushInterval.toMillis() + " ms, server=" + server + "]" : "InferenceLogSettings[off]";
  }
}
