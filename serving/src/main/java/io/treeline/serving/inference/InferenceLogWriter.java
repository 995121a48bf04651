package io.treeline.serving.inference;

import io.treeline.serving.background.BackgroundPriority;
import io.treeline.serving.background.BackgroundQueue;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The inference log's one background thread: takes up to {@code batchRows} queued records, or what
 * arrived within {@code flushInterval} of the first, into one batch as they come, and commits it. A failed append
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

  private final BackgroundQueue<InferenceRecord> queue;
  private final InferenceAppender appender;
  private final int batchRows;
  private final long flushNanos;
  private final InferenceLogMetrics metrics;
  private final Thread thread;
  private final AtomicLong committed = new AtomicLong();
  private final Set<String> errorsLogged = ConcurrentHashMap.newKeySet();
  private volatile boolean stopping;
  private volatile long stopDeadline = Long.MAX_VALUE;

  InferenceLogWriter(BackgroundQueue<InferenceRecord> queue, InferenceAppender appender, int batchRows, Duration flushInterval,
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
    BackgroundPriority.lowerCurrentThread();
    try {
      while (!(stopping && queue.isEmpty())) {
        InferenceRecord first = queue.poll(IDLE_POLL_MS, TimeUnit.MILLISECONDS);
        if (first != null) {
          writeBatch(first);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (!queue.isEmpty()) {
      LOG.warn("The inference log stopped with {} records not written to {}", queue.size(), appender.destination());
    }
  }

  /**
   * One commit: {@code first} and what arrives until the batch is full or the flush interval since
   * {@code first} is over (at once when stopping), each handed to the batch as it is taken, so the
   * records die young. Opening is tried again like the commit; a record that cannot be added gives the
   * batch up: its rows, and the rest of the interval's, are dropped and counted.
   */
  private void writeBatch(InferenceRecord first) throws InterruptedException {
    long deadline = System.nanoTime() + flushNanos;
    InferenceAppender.Batch batch = attempt(appender::open);
    int taken = 0;
    Exception failed = null;
    InferenceRecord next = first;
    while (next != null) {
      taken++;
      if (batch != null && failed == null) {
        try {
          batch.add(next);
        } catch (Exception e) {
          failed = e;
          batch.abort();
        }
      }
      next = taken < batchRows ? nextWithin(deadline) : null;
    }
    int rows = taken;
    Long version = batch == null || failed != null ? null : attempt(() -> {
      long start = System.nanoTime();
      long committedVersion = batch.commit();
      metrics.committed(rows, System.nanoTime() - start);
      return committedVersion;
    });
    if (failed != null) {
      logOnce(failed);
    }
    if (version == null) {
      if (batch != null) {
        batch.abort();
      }
      metrics.dropped(InferenceLogMetrics.WRITE_FAILED, taken);
      return;
    }
    committed.addAndGet(taken);
    LOG.debug("Appended {} records to {} (version {})", taken, appender.destination(), version);
  }

  /** The next queued record if one comes before {@code deadline} (when stopping, only one already queued), else null. */
  private InferenceRecord nextWithin(long deadline) throws InterruptedException {
    InferenceRecord next = queue.poll();
    while (next == null && !stopping) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return null;
      }
      next = queue.poll(Math.min(left, TimeUnit.MILLISECONDS.toNanos(IDLE_POLL_MS)), TimeUnit.NANOSECONDS);
    }
    return next;
  }

  /** What {@code step} returns, tried up to {@link #ATTEMPTS} times with a growing pause between; null when it kept failing. */
  private <T> T attempt(Step<T> step) throws InterruptedException {
    for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
      try {
        return step.run();
      } catch (InterruptedException e) {
        throw e;
      } catch (Exception e) {
        logOnce(e);
        if (attempt == ATTEMPTS || System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(backoff(attempt)) > stopDeadline) {
          break;
        }
        TimeUnit.MILLISECONDS.sleep(backoff(attempt));
      }
    }
    return null;
  }

  @FunctionalInterface
  private interface Step<T> {
    T run() throws Exception;
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
