package io.treeline.serving.inference;

import io.treeline.serving.background.BackgroundQueue;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's record of its predictions, kept off the request path: a request thread decides
 * whether its request is sampled (before building anything), then offers the records to a bounded
 * queue, which never waits or locks ({@link BackgroundQueue}); a full queue drops the record and counts it. One background
 * {@link InferenceLogWriter} appends the queue to the table in batches. {@link #close} writes what is
 * queued before it returns, within a bound.
 */
public final class InferenceLog implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(InferenceLog.class);
  /** Records nothing and starts no thread. */
  public static final InferenceLog OFF = new InferenceLog();

  private final InferenceLogSettings settings;
  private final BackgroundQueue<InferenceRecord> queue;
  private final InferenceLogMetrics metrics;
  private final InferenceLogWriter writer;

  private InferenceLog() {
    this.settings = InferenceLogSettings.OFF;
    this.queue = new BackgroundQueue<>(1);
    this.metrics = InferenceLogMetrics.NONE;
    this.writer = null;
  }

  private InferenceLog(InferenceLogSettings settings, InferenceLogMetrics metrics, InferenceSpool spool) {
    this.settings = settings;
    this.queue = new BackgroundQueue<>(settings.queueCapacity(), BackgroundQueue.LOGGING);
    this.metrics = metrics;
    this.writer = new InferenceLogWriter(queue, settings.appender(), settings.batchRows(), settings.flushInterval(), metrics, spool,
        settings.spool());
  }

  /**
   * Starts the writer thread; {@link InferenceLog#OFF} when the settings turn the log off. With a spool,
   * opens its directory first (files a previous server left there are committed before new ones); a
   * spool that cannot be opened stops the start, naming the directory.
   */
  public static InferenceLog start(InferenceLogSettings settings, InferenceLogMetrics metrics) {
    if (!settings.enabled() || settings.sample() == 0) {
      return OFF;
    }
    InferenceSpool spool = null;
    if (settings.spool() != null) {
      Path directory = settings.spool().directory();
      try {
        spool = InferenceSpool.open(directory);
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot open the inference log's spool at " + directory + " (" + e.getMessage() + "): make it writable, or set"
            + " serving.inference-log.spool-dir to a writable local directory", e);
      }
      if (spool.closedFiles() > 0) {
        LOG.info("The inference log's spool at {} holds {} file(s) ({} bytes) from an earlier server: committing them to {} first", directory,
            spool.closedFiles(), spool.bytes(), settings.appender().destination());
      }
    }
    InferenceLog log = new InferenceLog(settings, metrics, spool);
    log.writer.start();
    return log;
  }

  /** Whether records go through a spool on local disk before the table. */
  public boolean spooled() {
    return settings.spool() != null && writer != null;
  }

  /** The spool's directory, when {@link #spooled}. */
  public Optional<Path> spoolDirectory() {
    return spooled() ? Optional.of(settings.spool().directory()) : Optional.empty();
  }

  /** Bytes of records in the spool, not yet committed (a moment's figure). */
  public long spoolBytes() {
    return writer == null ? 0 : writer.spoolBytes();
  }

  /** How long the oldest spool file has waited for its commit, in seconds; 0 when none waits. */
  public double spoolAgeSeconds() {
    return writer == null ? 0 : writer.spoolAgeSeconds();
  }

  public boolean enabled() {
    return writer != null;
  }

  /** Whether to record this request: decided once per request, before any record is built, so an unsampled request costs nothing. */
  public boolean sampled() {
    if (writer == null) {
      return false;
    }
    double sample = settings.sample();
    return sample >= 1.0 || ThreadLocalRandom.current().nextDouble() < sample;
  }

  /** The {@code server} column of this process's rows. */
  public String server() {
    return settings.server();
  }

  /** Queues {@code record} for the writer; never waits: when the queue is full (or the log closed) the record is dropped and counted. */
  public void offer(InferenceRecord record) {
    if (writer == null || writer.stopping() || !queue.offer(record)) {
      metrics.dropped(InferenceLogMetrics.QUEUE_FULL, 1);
    }
  }

  public int queueDepth() {
    return queue.size();
  }

  /** Records committed to the table since the start. */
  public long committedRows() {
    return writer == null ? 0 : writer.committedRows();
  }

  public String destination() {
    return writer == null ? "nowhere (off)" : settings.appender().destination();
  }

  /** Writes what is queued and stops the writer, waiting at most {@code within}; what is left then is lost (and logged). */
  public void close(Duration within) {
    if (writer != null) {
      writer.stop(within);
    }
  }

  @Override
  public void close() {
    close(Duration.ofSeconds(30));
  }
}
