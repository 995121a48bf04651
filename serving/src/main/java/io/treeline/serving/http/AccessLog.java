package io.treeline.serving.http;

import io.treeline.serving.background.BackgroundPriority;
import io.treeline.serving.background.BackgroundQueue;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The access log, written by one background thread. Request threads only queue their event: every
 * appender writes under one lock, and sixteen request threads taking turns at it on two cores formed a
 * convoy as soon as another thread needed the CPU (with the inference log on at 5,000 requests/s, 38 s of
 * waits for that lock in a 40 s run; docs/benchmarks.md). A full queue drops the event and
 * counts it ({@code treeline_access_log_dropped_total}) rather than hold a request. An event's time is
 * when it is written, within milliseconds of the answer; its latency field is the request's own.
 */
final class AccessLog implements AutoCloseable {
  private static final Logger ACCESS = LogManager.getLogger(AccessEvent.LOGGER);
  static final int QUEUE_CAPACITY = 65_536;
  private static final long IDLE_POLL_MS = 50;
  private static final int DRAIN = 256;

  private final BackgroundQueue<AccessEvent> queue = new BackgroundQueue<>(QUEUE_CAPACITY, BackgroundQueue.LOGGING);
  private final Runnable dropped;
  private final Thread thread = new Thread(this::run, "treeline-access-log");
  private volatile boolean closing;

  private AccessLog(Runnable dropped) {
    this.dropped = dropped;
    thread.setDaemon(true); // a JVM that exits without close() must not wait for it
  }

  /** Starts the writing thread; {@code dropped} counts each event a full queue refused. */
  static AccessLog start(Runnable dropped) {
    AccessLog log = new AccessLog(dropped);
    log.thread.start();
    return log;
  }

  /** Whether an event would be written at all: the logger's level, checked before an event is built. */
  static boolean enabled() {
    return ACCESS.isInfoEnabled();
  }

  /** Queues {@code event}; never waits. */
  void log(AccessEvent event) {
    if (closing || !queue.offer(event)) {
      dropped.run();
    }
  }

  private void run() {
    BackgroundPriority.lowerCurrentThread();
    List<AccessEvent> batch = new ArrayList<>(DRAIN);
    try {
      while (!(closing && queue.isEmpty())) {
        AccessEvent first = queue.poll(IDLE_POLL_MS, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        batch.add(first);
        queue.drainTo(batch, DRAIN - 1);
        for (AccessEvent event : batch) {
          ACCESS.info(event);
        }
        batch.clear();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Writes what is queued, waiting at most {@code within}. */
  void close(Duration within) {
    closing = true;
    try {
      thread.join(Math.max(1, within.toMillis()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    close(Duration.ofSeconds(5));
  }
}
