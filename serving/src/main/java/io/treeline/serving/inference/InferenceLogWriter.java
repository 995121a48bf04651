package io.treeline.serving.inference;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The inference log's one background thread: takes up to {@code batchRows} queued records, or what
 * arrived within {@code flushInterval} of the first, and appends them in one commit. A failed append
 * is tried again a few times, then the batch is dropped and counted: the log never holds back the
 * server, and an error is logged once, not once per batch, so a lake that is down does not flood the log.
 */
final class InferenceLogWriter {
  private static final Logger LOG = LoggerFactory.getLogger(InferenceLogWriter.class);
  private static final int ATTEMPTS = 3;
  private static final long FIRST_BACKOFF_MS = 200;
  /** Distinct errors remembered for logging once; past it every error is new again (a bounded memory). */
  private static final int ERRORS_REMEMBERED = 100;
  private static final long IDLE_POLL_MS = 50;

  private final ArrayBlockingQueue<InferenceRecord> queue;
  private final InferenceAppender appender;
  private final int batchRows;
  private final long flushNanos;
  private final InferenceLogMetrics metrics;
  private final Thread thread;
  private final AtomicLong committed = new AtomicLong();
  private final Set<String> errorsLogged = ConcurrentHashMap.newKeySet();
  private volatile boolean stopping;
  private volatile long stopDeadline = Long.MAX_VALUE;

  InferenceLogWriter(ArrayBlockingQueue<InferenceRecord> queue, InferenceAppender appender, int batchRows, Duration flushInterval,
      InferenceLogMetrics metrics) {
    this.queue = queue;
    this.appender = appender;
    this.batchRows = batchRows;
    this.flushNanos = flushInterval.toNanos();
    this.metrics = metrics;
    this.thread = new Thread(this::run, "treeline-inference-log");
    this.thread.setDaemon(true); // a JVM that exits without close() must not wait for it; at most the unflushed batch is lost
  }

  void start() {
    thread.start();
  }

  boolean stopping() {
    return stopping;
  }

  long committedRows() {
    return committed.get();
  }

  private void run() {
    List<InferenceRecord> batch = new ArrayList<>();
    try {
      while (!(stopping && queue.isEmpty())) {
        InferenceRecord first = queue.poll(IDLE_POLL_MS, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        batch.add(first);
        fill(batch);
        write(batch);
        batch = new ArrayList<>(); // the appender may still hold views of the last one
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (!batch.isEmpty() || !queue.isEmpty()) {
      LOG.warn("The inference log stopped with {} records not written to {}", batch.size() + queue.size(), appender.destination());
    }
  }

  /** Adds what arrives until the batch is full or the flush interval since its first record is over; at once when stopping. */
  private void fill(List<InferenceRecord> batch) throws InterruptedException {
    long deadline = System.nanoTime() + flushNanos;
    while (batch.size() < batchRows) {
      queue.drainTo(batch, batchRows - batch.size());
      long left = deadline - System.nanoTime();
      if (batch.size() >= batchRows || left <= 0 || stopping) {
        return;
      }
      InferenceRecord next = queue.poll(Math.min(left, TimeUnit.MILLISECONDS.toNanos(IDLE_POLL_MS)), TimeUnit.NANOSECONDS);
      if (next != null) {
        batch.add(next);
      }
    }
  }

  private void write(List<InferenceRecord> batch) throws InterruptedException {
    for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
      long start = System.nanoTime();
      try {
        long version = appender.append(batch);
        metrics.committed(batch.size(), System.nanoTime() - start);
        committed.addAndGet(batch.size());
        LOG.debug("Appended {} records to {} (version {})", batch.size(), appender.destination(), version);
        return;
      } catch (Exception e) {
        logOnce(e);
        if (attempt == ATTEMPTS || System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(backoff(attempt)) > stopDeadline) {
          break;
        }
        TimeUnit.MILLISECONDS.sleep(backoff(attempt));
      }
    }
    metrics.dropped(InferenceLogMetrics.WRITE_FAILED, batch.size());
  }

  private static long backoff(int attempt) {
    return FIRST_BACKOFF_MS << (attempt - 1);
  }

  private void logOnce(Exception e) {
    String key = e.getClass().getName() + ": " + e.getMessage();
    if (errorsLogged.size() >= ERRORS_REMEMBERED) {
      errorsLogged.clear();
    }
    if (errorsLogged.add(key)) {
      LOG.error("Cannot append to the inference log at {} (records are dropped after {} attempts and counted in"
          + " treeline_inference_log_dropped_total{reason=\"write_failed\"}; this error is logged once)", appender.destination(), ATTEMPTS, e);
    }
  }

  /** Lets the writer commit what is queued, waiting at most {@code within}; then interrupts it. */
  void stop(Duration within) {
    stopDeadline = System.nanoTime() + within.toNanos();
    stopping = true;
    try {
      thread.join(Math.max(1, within.toMillis()));
      if (thread.isAlive()) {
        thread.interrupt();
        thread.join(1_000);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
