package io.treeline.serving.inference;

import io.treeline.serving.background.BackgroundPriority;
import io.treeline.serving.background.BackgroundQueue;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
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
 *
 * <p>With a spool, the batches are files on local disk first ({@link InferenceSpool}): each record is
 * appended to the open file as it is taken, which costs the requests' tail next to nothing, and the
 * files are encoded and committed later, oldest first, when the server is not busy (see
 * {@link InferenceLogSettings.Spool}); files that have waited together go into one commit. A file whose
 * commit fails stays and is tried again; the records of a lake that is down wait in the spool, up to its size.
 */
final class InferenceLogWriter {
  private static final Logger LOG = LoggerFactory.getLogger(InferenceLogWriter.class);
  private static final int ATTEMPTS = 3;
  private static final long FIRST_BACKOFF_MS = 200;
  /** Distinct errors remembered for logging once; past it every error is new again (a bounded memory). */
  private static final int ERRORS_REMEMBERED = 100;
  private static final long IDLE_POLL_MS = 50;

  /**
   * How often what the writer spooled is handed to the operating system (its 64 KB buffer also goes
   * when full): a killed process loses at most this much, a tenth of the default flush interval, and
   * a busy writer makes a few system calls a second rather than one per look at the queue.
   */
  private static final long SPOOL_FLUSH_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

  /** Rounds of {@link #ATTEMPTS} failed commits after which a spool file that opened is given up. */
  private static final int SPOOL_COMMIT_ROUNDS = 3;

  /**
   * Spool files that have waited go into one commit, up to this many and {@link #SPOOL_BYTES_PER_COMMIT}: each
   * commit adds a data file to the table, which every later checkpoint lists again, and costs its fixed work.
   */
  private static final int SPOOL_FILES_PER_COMMIT = 10;
  /** About 40,000 records of a flight-delay model; the batch being encoded holds about 1 KB a record. */
  private static final long SPOOL_BYTES_PER_COMMIT = 32L << 20;

  private final BackgroundQueue<InferenceRecord> queue;
  private final InferenceAppender appender;
  private final InferenceSpool spool;
  /** After a spool file's commit failed, the next try waits five flush intervals (the lake may be down). */
  private final long spoolRetryNanos;
  private final InferenceLogSettings.Spool spooling;
  /** Records taken in the current second and the one before, for the busy test. */
  private long rateSecond;
  private int thisSecond;
  private int lastSecond;
  private long spoolRetryAt;
  private long flushedAt;
  /** The spool file whose commit failed last, and in how many rounds in a row. */
  private long failingFile = -1;
  private int failedRounds;
  /**
   * Whether the next commit may take several spool files: only once this writer's last commit for the spool
   * landed, so the table's transaction version for the spool is the last file committed and every waiting
   * file is past it. After the start, a failure or a file the table held already, files go one at a time,
   * and Delta refuses each one the table holds (a commit of several files records only the last number).
   */
  private boolean severalPerCommit;
  /** The spool's figures as of the writer's last loop, for /metrics on another thread. */
  private volatile long spoolBytesSeen;
  private volatile long oldestClosedNanos = Long.MAX_VALUE;
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
    this(queue, appender, batchRows, flushInterval, metrics, null, null);
  }

  InferenceLogWriter(BackgroundQueue<InferenceRecord> queue, InferenceAppender appender, int batchRows, Duration flushInterval,
      InferenceLogMetrics metrics, InferenceSpool spool, InferenceLogSettings.Spool spooling) {
    this.queue = queue;
    this.appender = appender;
    this.spool = spool;
    this.spooling = spooling;
    this.batchRows = batchRows;
    this.flushNanos = flushInterval.toNanos();
    this.spoolRetryNanos = 5 * flushNanos;
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
    if (spool != null) {
      runSpooled();
      return;
    }
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

  /**
   * The spooled loop: every record taken goes to the spool's open file, which is closed at
   * {@code batchRows} records or {@code flushInterval} of age; between polls at most one closed file
   * is committed, so taking records never waits long for a commit. When stopping, what is queued is
   * spooled, then the files are committed until the stop's deadline; what is left stays on disk for
   * the next server that opens this spool.
   */
  private void runSpooled() {
    try {
      while (!(stopping && queue.isEmpty())) {
        InferenceRecord record = queue.poll(IDLE_POLL_MS, TimeUnit.MILLISECONDS);
        while (record != null) {
          spoolOne(record);
          record = queue.poll();
        }
        try {
          if (System.nanoTime() - flushedAt >= SPOOL_FLUSH_NANOS) {
            spool.flush();
            flushedAt = System.nanoTime();
          }
          if (spool.openRecords() > 0 && spool.openAgeNanos() >= flushNanos) {
            spool.closeOpen();
          }
          if (commitDue()) {
            commitWaiting();
          }
        } catch (IOException | RuntimeException e) {
          // The local disk (full, or the directory gone): said once, tried again later; the writer goes on.
          logOnce(e);
          spoolRetryAt = System.nanoTime() + spoolRetryNanos;
        }
        publishSpool();
      }
      spool.closeOpen();
      // Until the stop's deadline: a failed commit is tried again as while running; what is left stays for the next start.
      while (spool.oldest() != null && System.nanoTime() < stopDeadline) {
        if (!commitWaiting()) {
          long wait = Math.min(spoolRetryAt, stopDeadline) - System.nanoTime();
          if (wait > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
          }
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException | RuntimeException e) {
      logOnce(e);
    } finally {
      try {
        if (spool.closedFiles() > 0) {
          LOG.warn("The inference log stopped with {} spool file(s) ({} bytes) not yet in {}: they are in {}, and the next server started with"
              + " this spool directory commits them", spool.closedFiles(), spool.bytes(), appender.destination(), spool.directory());
        }
        spool.close();
      } catch (IOException e) {
        logOnce(e);
      }
    }
  }

  private void spoolOne(InferenceRecord record) {
    long second = System.nanoTime() / 1_000_000_000L;
    if (second != rateSecond) {
      lastSecond = second == rateSecond + 1 ? thisSecond : 0;
      thisSecond = 0;
      rateSecond = second;
    }
    thisSecond++;
    if (spool.bytes() >= spooling.maxBytes()) {
      metrics.dropped(InferenceLogMetrics.SPOOL_FULL, 1);
      return;
    }
    try {
      spool.append(record);
      if (spool.openRecords() >= batchRows) {
        spool.closeOpen();
      }
    } catch (IOException | RuntimeException e) {
      logOnce(e);
      metrics.dropped(InferenceLogMetrics.WRITE_FAILED, 1);
    }
  }

  /** Whether the oldest closed file is to be committed now: the server is not busy, the file is overdue, the spool is half full, or stopping. */
  private boolean commitDue() {
    InferenceSpool.Closed oldest = spool.oldest();
    if (oldest == null || System.nanoTime() < spoolRetryAt) {
      return false;
    }
    long second = System.nanoTime() / 1_000_000_000L;
    int recent = second == rateSecond ? Math.max(thisSecond, lastSecond) : second == rateSecond + 1 ? thisSecond : 0;
    return stopping || recent < spooling.busyRate() || System.nanoTime() - oldest.closedNanos() >= spooling.maxDelay().toNanos()
        || spool.bytes() >= spooling.maxBytes() / 2;
  }

  /**
   * Commits the files that have waited, oldest first: several in one commit numbered by the last of them when
   * {@link #severalPerCommit}, else the oldest alone ({@link #commitOldest}). Returns whether they are done
   * with. A record that cannot be added or a commit that fails sends the files back one at a time, which
   * gives up only a file that keeps failing.
   */
  private boolean commitWaiting() throws InterruptedException, IOException {
    List<InferenceSpool.Closed> files = severalPerCommit ? spool.oldest(SPOOL_FILES_PER_COMMIT, SPOOL_BYTES_PER_COMMIT) : List.of();
    if (files.size() < 2) {
      return commitOldest();
    }
    InferenceSpool.Closed last = files.get(files.size() - 1);
    InferenceAppender.Batch batch = openNumbered(last.number());
    if (batch == null) {
      return false;
    }
    int records = 0;
    try {
      for (InferenceSpool.Closed file : files) {
        try (SpoolSegment.Reader reader = new SpoolSegment.Reader(file.file())) {
          int before = records;
          for (InferenceRecord record = reader.next(); record != null; record = reader.next()) {
            batch.add(record);
            records++;
          }
          warnIfDamaged(file, reader, records - before);
        }
      }
    } catch (Exception e) {
      batch.abort();
      logOnce(e);
      severalPerCommit = false;
      return false;
    }
    long start = System.nanoTime();
    Long version = attempt(batch::commit);
    if (version == null) {
      batch.abort();
      severalPerCommit = false;
      spoolRetryAt = System.nanoTime() + spoolRetryNanos;
      return false;
    }
    if (version != InferenceAppender.ALREADY_COMMITTED) {
      metrics.committed(records, System.nanoTime() - start);
      committed.addAndGet(records);
      LOG.debug("Appended spool files {} to {} ({} records) to {} (version {})", files.get(0).number(), last.number(), records,
          appender.destination(), version);
    }
    // Removed before batching again: a file left by a failed removal is in the table, and only going one at a time finds that.
    severalPerCommit = false;
    for (InferenceSpool.Closed file : files) {
      spool.remove(file);
    }
    severalPerCommit = version != InferenceAppender.ALREADY_COMMITTED;
    return true;
  }

  /**
   * Commits the spool's oldest file as one batch numbered by the file; returns whether it is done with
   * (committed, found in the table already, or given up). Files are committed strictly in order, since
   * Delta takes a spool's numbers only upwards. A table that cannot be opened (the lake is down) is
   * waited for without end, the records staying in the spool; a file whose records cannot be added, or
   * whose commit fails {@link #SPOOL_COMMIT_ROUNDS} times in a row once the table opened, is given up
   * and counted, so one bad file does not hold back every later one.
   */
  private boolean commitOldest() throws InterruptedException, IOException {
    severalPerCommit = false; // until this file's commit lands: one that failed may have landed all the same
    InferenceSpool.Closed file = spool.oldest();
    try (SpoolSegment.Reader reader = new SpoolSegment.Reader(file.file())) {
      InferenceRecord first = reader.next();
      if (first == null) {
        warnIfDamaged(file, reader, 0);
        spool.remove(file);
        return true;
      }
      InferenceAppender.Batch batch = openNumbered(file.number());
      if (batch == null) {
        return false;
      }
      int records = 0;
      try {
        for (InferenceRecord record = first; record != null; record = reader.next()) {
          batch.add(record);
          records++;
        }
      } catch (Exception e) {
        batch.abort();
        logOnce(e);
        int lost = records + countRest(reader);
        metrics.dropped(InferenceLogMetrics.WRITE_FAILED, lost);
        spool.remove(file);
        return true;
      }
      warnIfDamaged(file, reader, records);
      return commitSpooled(file, batch, records);
    }
  }

  /** A batch committed as spool number {@code number}; null when the table cannot be opened, which is tried again after a pause. */
  private InferenceAppender.Batch openNumbered(long number) throws InterruptedException {
    InferenceAppender.Batch batch = attempt(() -> appender.open(spool.id(), number));
    if (batch == null) {
      spoolRetryAt = System.nanoTime() + spoolRetryNanos;
    }
    return batch;
  }

  /** The records left in {@code reader}, counted without keeping them (a file given up is counted whole). */
  private static int countRest(SpoolSegment.Reader reader) throws IOException {
    int rest = 0;
    while (reader.next() != null) {
      rest++;
    }
    return rest;
  }

  private static void warnIfDamaged(InferenceSpool.Closed file, SpoolSegment.Reader reader, int records) {
    if (reader.damaged()) {
      LOG.warn("The inference log's spool file {} ends in a damaged or unfinished record (a crash while it was written):"
          + " its {} whole records before it are committed, the rest is lost", file.file(), records);
    }
  }

  /** Commits {@code batch}, the {@code records} of spool file {@code file}; see {@link #commitOldest}. */
  private boolean commitSpooled(InferenceSpool.Closed file, InferenceAppender.Batch batch, int records) throws InterruptedException, IOException {
    long start = System.nanoTime();
    Long version = attempt(batch::commit);
    if (version == null) {
      batch.abort();
      if (file.number() == failingFile && ++failedRounds >= SPOOL_COMMIT_ROUNDS) {
        LOG.error("Giving up spool file {} ({} records) after {} rounds of failed commits to {}: its records are dropped and counted",
            file.file(), records, failedRounds, appender.destination());
        metrics.dropped(InferenceLogMetrics.WRITE_FAILED, records);
        spool.remove(file);
        return true;
      }
      if (file.number() != failingFile) {
        failingFile = file.number();
        failedRounds = 1;
      }
      spoolRetryAt = System.nanoTime() + spoolRetryNanos;
      return false;
    }
    if (version != InferenceAppender.ALREADY_COMMITTED) {
      metrics.committed(records, System.nanoTime() - start);
      committed.addAndGet(records);
      LOG.debug("Appended spool file {} ({} records) to {} (version {})", file.number(), records, appender.destination(), version);
    }
    spool.remove(file);
    severalPerCommit = version != InferenceAppender.ALREADY_COMMITTED;
    return true;
  }

  private void publishSpool() {
    spoolBytesSeen = spool.bytes();
    InferenceSpool.Closed oldest = spool.oldest();
    oldestClosedNanos = oldest == null ? Long.MAX_VALUE : oldest.closedNanos();
  }

  /** Bytes in the spool as of the writer's last loop. */
  long spoolBytes() {
    return spoolBytesSeen;
  }

  /** How long the oldest closed spool file has waited for its commit, as of the writer's last loop; 0 when none waits. */
  double spoolAgeSeconds() {
    long closedAt = oldestClosedNanos;
    return closedAt == Long.MAX_VALUE ? 0 : Math.max(0, System.nanoTime() - closedAt) / 1e9;
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
