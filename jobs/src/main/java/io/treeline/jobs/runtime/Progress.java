package io.treeline.jobs.runtime;

import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Shows how far a job has got, fed by {@link SparkProgressListener} (a class of its own, so that
 * a command that never starts Spark, such as {@code serve}, loads no Spark class). On a terminal it redraws one line (stages
 * and tasks done, rows written, elapsed); otherwise it writes a plain log line every 15 seconds;
 * with --log-format json that line is an event of the treeline.progress logger instead.
 */
public final class Progress implements AutoCloseable {
  private static final org.apache.logging.log4j.Logger LOG = org.apache.logging.log4j.LogManager.getLogger("treeline.progress");

  private final PrintStream err;
  private final boolean terminal;
  private final boolean logged;
  private final long startNanos = System.nanoTime();
  private final AtomicLong stagesSubmitted = new AtomicLong();
  private final AtomicLong stagesDone = new AtomicLong();
  private final AtomicLong tasksTotal = new AtomicLong();
  private final AtomicLong tasksDone = new AtomicLong();
  private final AtomicLong rowsWritten = new AtomicLong();
  private volatile String status = "";
  private ScheduledExecutorService ticker;
  private int lastLineLength;

  public Progress(PrintStream err, boolean terminal) {
    this(err, terminal, false);
  }

  private Progress(PrintStream err, boolean terminal, boolean logged) {
    this.err = err;
    this.terminal = terminal;
    this.logged = logged;
  }

  /** A progress that prints nothing, for tests and scripts. */
  public static Progress silent() {
    return new Progress(null, false);
  }

  /** A progress that logs its line every 15 seconds (treeline.progress, INFO) and never writes to the console itself. */
  public static Progress logged() {
    return new Progress(null, false, true);
  }

  public void status(String status) {
    this.status = status;
  }

  public String status() {
    return status;
  }

  public long rowsWritten() {
    return rowsWritten.get();
  }

  /** Starts the line's updates, once Spark runs. */
  synchronized void start() {
    if ((err == null && !logged) || ticker != null) {
      return;
    }
    ticker = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "treeline-progress");
      t.setDaemon(true);
      return t;
    });
    long period = terminal ? 500 : 15_000;
    ticker.scheduleAtFixedRate(this::print, period, period, TimeUnit.MILLISECONDS);
  }

  String line() {
    Duration elapsed = Duration.ofNanos(System.nanoTime() - startNanos);
    return String.format("%s stages %d/%d · tasks %d/%d · rows written %,d · %d:%02d",
        status.isEmpty() ? "" : status + " ·", stagesDone.get(), stagesSubmitted.get(), tasksDone.get(),
        tasksTotal.get(), rowsWritten.get(), elapsed.toMinutes(), elapsed.toSecondsPart()).trim();
  }

  private synchronized void print() {
    String line = line();
    if (logged) {
      LOG.info("progress: {}", line);
      return;
    }
    if (terminal) {
      err.print("\r" + line + " ".repeat(Math.max(0, lastLineLength - line.length())));
      lastLineLength = line.length();
    } else {
      err.println("progress: " + line);
    }
    err.flush();
  }

  @Override
  public synchronized void close() {
    if (ticker != null) {
      ticker.shutdownNow();
      ticker = null;
      if (terminal && lastLineLength > 0) {
        err.print("\r" + " ".repeat(lastLineLength) + "\r");
        err.flush();
      }
    }
  }

  void stageSubmitted(int tasks) {
    stagesSubmitted.incrementAndGet();
    tasksTotal.addAndGet(tasks);
  }

  void stageCompleted() {
    stagesDone.incrementAndGet();
  }

  void taskEnded(long recordsWritten) {
    tasksDone.incrementAndGet();
    rowsWritten.addAndGet(recordsWritten);
  }
}
