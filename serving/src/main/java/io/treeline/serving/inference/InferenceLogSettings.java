package io.treeline.serving.inference;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
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
 * @param spool the local spool the writer appends to while the server is busy; null for none (each batch encoded and committed at once)
 */
public record InferenceLogSettings(boolean enabled, double sample, int queueCapacity, int batchRows, Duration flushInterval, String server,
    InferenceAppender appender, Spool spool) {
  public static final InferenceLogSettings OFF = new InferenceLogSettings(false, 0, 1, 1, Duration.ofSeconds(1), "off", null, null);

  /**
   * {@code serving.inference-log.spool-*}: while more than {@code busyRate} records a second arrive, the
   * writer only appends them to files in {@code directory} (a few microseconds each); it encodes and
   * commits those files when the rate falls below it, when the oldest has waited {@code maxDelay}, or
   * when they hold half of {@code maxBytes}. When they hold {@code maxBytes}, new records are dropped and counted.
   */
  public record Spool(Path directory, int busyRate, Duration maxDelay, long maxBytes) {
    public Spool {
      if (directory == null || busyRate < 0 || maxDelay.isNegative() || maxBytes <= 0) {
        throw new IllegalArgumentException("a spool needs a directory, a busy rate of 0 or more, a delay of 0 or more and a positive size");
      }
    }
  }

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
    return new InferenceLogSettings(true, 1.0, 20_000, 5_000, Duration.ofSeconds(1), "", appender, null);
  }

  public InferenceLogSettings withSample(double sample) {
    return new InferenceLogSettings(enabled, sample, queueCapacity, batchRows, flushInterval, server, appender, spool);
  }

  public InferenceLogSettings withBatching(int queueCapacity, int batchRows, Duration flushInterval) {
    return new InferenceLogSettings(enabled, sample, queueCapacity, batchRows, flushInterval, server, appender, spool);
  }

  public InferenceLogSettings withSpool(Spool spool) {
    return new InferenceLogSettings(enabled, sample, queueCapacity, batchRows, flushInterval, server, appender, spool);
  }

  public InferenceLogSettings withServer(String server) {
    return new InferenceLogSettings(enabled, sample, queueCapacity, batchRows, flushInterval, server, appender, spool);
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
        + batchRows + ", flush=" + flushInterval.toMillis() + " ms, server=" + server + (spool == null ? "" : ", spool=" + spool) + "]"
        : "InferenceLogSettings[off]";
  }
}
