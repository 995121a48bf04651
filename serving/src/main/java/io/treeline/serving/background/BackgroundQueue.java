package io.treeline.serving.background;

import java.time.Duration;
import java.util.Collection;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * What request threads hand to a background thread (the inference log's writer, the access log,
 * the shadows): bounded, and free of locks on both sides. A queue with a lock (ArrayBlockingQueue)
 * lets a background thread, which runs at a lower priority ({@link BackgroundPriority}), be preempted
 * while it holds the lock; every request thread that offers then waits until the scheduler runs the
 * background thread again, which on a busy machine is milliseconds. Here an offer is two atomic steps
 * and never waits; a full queue refuses (the caller drops and counts). The consumer, never woken by
 * an offer (that would cost the request thread a system call), looks again after a pause while the
 * queue is empty: {@link #PROMPT} for work that someone waits for (a shadow's comparison), {@link #LOGGING}
 * for the logs, whose records are written in batches anyway. At 5,000 requests/s a writer looking every
 * 2 ms woke 500 times a second for ten records each; every 20 ms took a seventh off the inference log
 * writer's CPU per request (docs/benchmarks.md).
 */
public final class BackgroundQueue<T> {
  /** An idle consumer's pause between looks when its work should follow the request closely. */
  public static final Duration PROMPT = Duration.ofMillis(2);
  /** An idle consumer's pause between looks for the logs: at 5,000 requests/s, about a hundred items a look. */
  public static final Duration LOGGING = Duration.ofMillis(20);

  private final ConcurrentLinkedQueue<T> items = new ConcurrentLinkedQueue<>();
  /** Taken before an item is added and given back after one is removed, so it never undercounts what the queue holds. */
  private final AtomicInteger size = new AtomicInteger();
  private final int capacity;
  /** How long an idle consumer sleeps between looks: a background thread's work may wait that long. */
  private final long pauseNanos;

  /** A queue whose consumer looks every {@link #PROMPT} while it is empty. */
  public BackgroundQueue(int capacity) {
    this(capacity, PROMPT);
  }

  public BackgroundQueue(int capacity, Duration pause) {
    if (capacity <= 0) {
      throw new IllegalArgumentException("a queue's capacity must be positive, not " + capacity);
    }
    if (pause.isNegative() || pause.isZero()) {
      throw new IllegalArgumentException("an idle consumer's pause must be positive, not " + pause);
    }
    this.capacity = capacity;
    this.pauseNanos = pause.toNanos();
  }

  /** Queues {@code item}, or refuses it (false) when the queue is full; never waits. */
  public boolean offer(T item) {
    if (size.incrementAndGet() > capacity) {
      size.decrementAndGet();
      return false;
    }
    items.offer(item);
    return true;
  }

  /** The oldest item, or null when there is none. */
  public T poll() {
    T item = items.poll();
    if (item != null) {
      size.decrementAndGet();
    }
    return item;
  }

  /** The oldest item, waiting for one at most {@code timeout}; null when none came. */
  public T poll(long timeout, TimeUnit unit) throws InterruptedException {
    long deadline = System.nanoTime() + unit.toNanos(timeout);
    T item;
    while ((item = poll()) == null) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return null;
      }
      LockSupport.parkNanos(this, Math.min(left, pauseNanos));
      if (Thread.interrupted()) {
        throw new InterruptedException();
      }
    }
    return item;
  }

  /** Moves up to {@code most} items into {@code into}; how many it moved. */
  public int drainTo(Collection<? super T> into, int most) {
    int moved = 0;
    T item;
    while (moved < most && (item = poll()) != null) {
      into.add(item);
      moved++;
    }
    return moved;
  }

  /** Items queued, counting one that an offer is still adding. */
  public int size() {
    return size.get();
  }

  public boolean isEmpty() {
    return items.isEmpty();
  }
}
