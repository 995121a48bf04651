package io.treeline.serving.auth;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * A token bucket per caller: {@code burst} requests at once, then {@code permitsPerSecond} on
 * average. Written as the generic cell rate algorithm, the same bucket kept as one timestamp: a
 * caller's state is a single long updated by compare-and-set, so callers never lock, and whole
 * nanoseconds keep refills exact.
 */
public final class RateLimiter {
  private static final long NANOS_PER_SECOND = TimeUnit.SECONDS.toNanos(1);

  /** Nanoseconds a permit takes to come back. */
  private final long interval;
  /** How far ahead of now a caller's schedule may run: the burst beyond the first request. */
  private final long tolerance;
  private final LongSupplier nanoTime;
  private final long sweepInterval;
  private final AtomicLong nextSweep;
  /** Per caller, when its bucket will be full again ("theoretical arrival time"); in the past if it is full. */
  private final ConcurrentHashMap<String, AtomicLong> fullAt = new ConcurrentHashMap<>();

  public RateLimiter(double permitsPerSecond, int burst) {
    this(permitsPerSecond, burst, System::nanoTime);
  }

  /** @param nanoTime a monotonic clock in nanoseconds: {@link System#nanoTime} but in tests */
  public RateLimiter(double permitsPerSecond, int burst, LongSupplier nanoTime) {
    if (!(permitsPerSecond > 0) || permitsPerSecond > NANOS_PER_SECOND) {
      throw new IllegalArgumentException("permitsPerSecond must be positive and at most 1e9, got " + permitsPerSecond);
    }
    if (burst < 1) {
      throw new IllegalArgumentException("burst must be at least 1, got " + burst);
    }
    this.interval = Math.round(NANOS_PER_SECOND / permitsPerSecond);
    // A schedule runs at most tolerance + interval ahead of now; far beyond a human lifetime the
    // nanosecond differences it is compared with would overflow.
    if (Long.MAX_VALUE / 4 / burst < interval) {
      throw new IllegalArgumentException("a burst of " + burst + " at " + permitsPerSecond + "/s takes decades to refill");
    }
    this.tolerance = (burst - 1L) * interval;
    this.nanoTime = nanoTime;
    // A bucket can't go from empty to full faster than tolerance + interval, so sweeping more often
    // finds little; a minute at least keeps the sweep's cost negligible whatever the rate.
    this.sweepInterval = Math.max(TimeUnit.MINUTES.toNanos(1), tolerance + interval);
    this.nextSweep = new AtomicLong(nanoTime.getAsLong() + sweepInterval);
  }

  /** Takes one permit from the caller's bucket; false if it is empty and the request should get a 429. */
  public boolean tryAcquire(String callerId) {
    long now = nanoTime.getAsLong();
    sweepIfDue(now);
    AtomicLong bucket = fullAt.computeIfAbsent(callerId, id -> new AtomicLong(now));
    while (true) {
      long current = bucket.get();
      // Differences, not comparisons, because nanoTime may wrap around (see its javadoc).
      long start = current - now < 0 ? now : current;
      if (start - now > tolerance) {
        return false;
      }
      if (bucket.compareAndSet(current, start + interval)) {
        return true;
      }
    }
  }

  /** Whole seconds until the caller's next permit, for a {@code Retry-After} header; at least 1. */
  public long retryAfterSeconds(String callerId) {
    AtomicLong bucket = fullAt.get(callerId);
    long wait = bucket == null ? 0 : bucket.get() - nanoTime.getAsLong() - tolerance;
    return Math.max(1, Math.floorDiv(wait + NANOS_PER_SECOND - 1, NANOS_PER_SECOND));
  }

  /** How many callers' buckets are kept, to see the sweep work. */
  int trackedCallers() {
    return fullAt.size();
  }

  /**
   * Drops the buckets that have filled up again, which behave exactly like a new one, so a server
   * that sees many distinct callers over its life keeps only the recent ones. A request that got
   * its caller's bucket just before the sweep dropped it may be granted one permit too many; that is
   * the price of taking no lock.
   */
  private void sweepIfDue(long now) {
    long due = nextSweep.get();
    if (now - due >= 0 && nextSweep.compareAndSet(due, now + sweepInterval)) {
      fullAt.values().removeIf(bucket -> bucket.get() - now <= 0);
    }
  }
}
