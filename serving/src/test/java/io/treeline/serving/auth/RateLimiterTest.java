package io.treeline.serving.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RateLimiterTest {
  private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
  private final RateLimiter limiter = new RateLimiter(2, 3, nanos::get);

  private void advance(long millis) {
    nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(millis));
  }

  @Test
  void allowsTheBurstThenRefuses() {
    assertThat(limiter.tryAcquire("alice")).isTrue();
    assertThat(limiter.tryAcquire("alice")).isTrue();
    assertThat(limiter.tryAcquire("alice")).isTrue();
    assertThat(limiter.tryAcquire("alice")).isFalse();
    assertThat(limiter.retryAfterSeconds("alice")).isEqualTo(1);
  }

  @Test
  void refillsAtTheConfiguredRate() {
    for (int i = 0; i < 3; i++) {
      limiter.tryAcquire("alice");
    }
    advance(499);
    assertThat(limiter.tryAcquire("alice")).isFalse();
    advance(1);
    assertThat(limiter.tryAcquire("alice")).isTrue();
    assertThat(limiter.tryAcquire("alice")).isFalse();
    advance(60_000);
    for (int i = 0; i < 3; i++) {
      assertThat(limiter.tryAcquire("alice")).isTrue();
    }
    assertThat(limiter.tryAcquire("alice")).as("the bucket holds no more than the burst").isFalse();
  }

  @Test
  void keepsOneBucketPerCaller() {
    for (int i = 0; i < 3; i++) {
      limiter.tryAcquire("alice");
    }
    assertThat(limiter.tryAcquire("alice")).isFalse();
    assertThat(limiter.tryAcquire("bob")).isTrue();
  }

  @Test
  void retryAfterRoundsUpToWholeSeconds() {
    RateLimiter slow = new RateLimiter(0.1, 1, nanos::get);
    assertThat(slow.tryAcquire("alice")).isTrue();
    assertThat(slow.tryAcquire("alice")).isFalse();
    assertThat(slow.retryAfterSeconds("alice")).isEqualTo(10);
    advance(500);
    assertThat(slow.retryAfterSeconds("alice")).isEqualTo(10);
    advance(9_000);
    assertThat(slow.retryAfterSeconds("alice")).isEqualTo(1);
    assertThat(slow.retryAfterSeconds("nobody")).isEqualTo(1);
  }

  @Test
  void forgetsIdleCallersAsIfTheyWereNew() {
    for (int i = 0; i < 3; i++) {
      limiter.tryAcquire("alice");
    }
    assertThat(limiter.trackedCallers()).isEqualTo(1);
    advance(120_000);
    assertThat(limiter.tryAcquire("bob")).isTrue(); // due for a sweep, which drops alice's refilled bucket
    assertThat(limiter.trackedCallers()).isEqualTo(1);
    for (int i = 0; i < 3; i++) {
      assertThat(limiter.tryAcquire("alice")).isTrue();
    }
    assertThat(limiter.tryAcquire("alice")).isFalse();
  }

  @Test
  void grantsExactlyTheBurstToConcurrentRequests() throws Exception {
    RateLimiter wide = new RateLimiter(1, 1_000, nanos::get);
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<Integer>> granted = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        granted.add(pool.submit(() -> {
          int n = 0;
          for (int i = 0; i < 500; i++) {
            n += wide.tryAcquire("alice") ? 1 : 0;
          }
          return n;
        }));
      }
      int total = 0;
      for (Future<Integer> f : granted) {
        total += f.get();
      }
      assertThat(total).isEqualTo(1_000);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void refusesNonsenseRates() {
    assertThatThrownBy(() -> new RateLimiter(0, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("permitsPerSecond must be positive and at most 1e9, got 0.0");
    assertThatThrownBy(() -> new RateLimiter(1, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("burst must be at least 1, got 0");
  }
}
