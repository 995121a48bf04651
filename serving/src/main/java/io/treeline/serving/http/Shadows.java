package io.treeline.serving.http;

import io.treeline.serving.background.BackgroundPriority;
import io.treeline.serving.background.BackgroundQueue;
import io.treeline.serving.inference.InferenceLog;
import io.treeline.serving.inference.InferenceRecord;
import io.treeline.serving.model.ServedModel;
import io.treeline.serving.predict.Scorer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scores a route's shadows on the records an arm answered, once the answer is made, on threads of
 * their own: with the answer's looked-up feature values (the store is read again only for views the
 * answer did not read), logged beside the answer (origin shadow, same request id). A full queue skips
 * the request's shadows and a failing shadow is counted; neither ever reaches a response.
 */
final class Shadows implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Shadows.class);
  private static final long WARN_EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);

  /** An answered request waiting for its shadows. */
  record Task(String requestId, long receivedMicros, String route, ServedModel answered, Scorer.Batch answer, ReceivedRecords records,
      List<ServedModel> shadows, boolean record) {}

  private static final long IDLE_POLL_MS = 50;

  private final Scorer scorer;
  private final InferenceLog log;
  private final ServingMetrics metrics;
  private final BackgroundQueue<Task> queue;
  private final List<Thread> threads = new ArrayList<>();
  private final AtomicLong lastWarning = new AtomicLong(System.nanoTime() - WARN_EVERY_NANOS);
  private volatile boolean closing;
  /** For tests: runs before each shadow is scored, on the shadow's thread. */
  private volatile Runnable hook = () -> {};

  Shadows(Scorer scorer, InferenceLog log, ServingMetrics metrics, int threads, int queueCapacity) {
    this.scorer = scorer;
    this.log = log;
    this.metrics = metrics;
    this.queue = new BackgroundQueue<>(queueCapacity);
    for (int i = 1; i <= threads; i++) {
      Thread thread = new Thread(this::work, "treeline-shadow-" + i);
      thread.setDaemon(true);
      this.threads.add(thread);
      thread.start();
    }
    metrics.shadowQueue(queue::size);
  }

  void hook(Runnable hook) {
    this.hook = hook;
  }

  /** Queues the task's shadows, or skips and counts them when the queue is full (or closed); never waits. */
  void submit(Task task) {
    if (closing || !queue.offer(task)) {
      for (ServedModel shadow : task.shadows()) {
        metrics.shadow(shadow, "dropped", task.records().size(), 0);
      }
    }
  }

  /** A shadow thread: scores queued tasks until the server closes and the queue is empty. */
  private void work() {
    BackgroundPriority.lowerCurrentThread();
    try {
      while (!(closing && queue.isEmpty())) {
        Task task = queue.poll(IDLE_POLL_MS, TimeUnit.MILLISECONDS);
        if (task != null) {
          run(task);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void run(Task task) {
    for (ServedModel shadow : task.shadows()) {
      long start = System.nanoTime();
      try {
        hook.run();
        Scorer.Batch batch = task.records().score(scorer, shadow, task.record(), task.answer().found());
        long nanos = System.nanoTime() - start;
        metrics.shadow(shadow, "scored", task.records().size(), nanos);
        metrics.shadowDisagreements(shadow, disagreements(task.answer().results(), batch.results()));
        if (task.record()) {
          Scoring.offer(log, task.requestId(), task.receivedMicros(), InferenceRecord.SHADOW, task.route(), shadow, batch.results(), task.records(),
              nanos / 1e6);
        }
      } catch (RuntimeException | LinkageError | AssertionError e) {
        metrics.shadow(shadow, "failed", task.records().size(), System.nanoTime() - start);
        long last = lastWarning.get();
        if (System.nanoTime() - last >= WARN_EVERY_NANOS && lastWarning.compareAndSet(last, System.nanoTime())) {
          LOG.warn("Shadow {} of {} (version {}) failed to score request {}: {} (counted in treeline_shadow_predictions_total; logged at most once a minute)",
              shadow.arm(), shadow.name(), shadow.version(), task.requestId(), e.toString());
        }
      }
    }
  }

  /** Records whose predicted label (or value) differs from the answer's. */
  private static int disagreements(List<Scorer.Scored> answer, List<Scorer.Scored> shadow) {
    int differ = 0;
    for (int i = 0; i < answer.size(); i++) {
      if (Double.compare(answer.get(i).prediction().prediction(), shadow.get(i).prediction().prediction()) != 0) {
        differ++;
      }
    }
    return differ;
  }

  /** Lets the queued shadows finish within {@code grace} (their rows go to the inference log, closed after this), then stops. */
  @Override
  public void close() {
    close(Duration.ofSeconds(5));
  }

  void close(Duration grace) {
    closing = true;
    long deadline = System.nanoTime() + grace.toNanos();
    try {
      for (Thread thread : threads) {
        thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
      }
      if (threads.stream().anyMatch(Thread::isAlive)) {
        LOG.warn("Stopped with {} requests' shadows not scored after {} s", queue.size(), grace.toSeconds());
        threads.forEach(Thread::interrupt);
      }
    } catch (InterruptedException e) {
      threads.forEach(Thread::interrupt);
      Thread.currentThread().interrupt();
    }
  }
}
