package io.treeline.registry.mlflow;

import java.time.Duration;

/**
 * How often and how patiently a call to the tracking server is retried: on 5xx answers and
 * connection errors only, with the delay doubling from {@code firstDelay}. A 4xx is the caller's
 * mistake and is never retried.
 */
public record RetryPolicy(int attempts, Duration firstDelay) {
  public static final RetryPolicy DEFAULT = new RetryPolicy(5, Duration.ofMillis(500));

  public RetryPolicy {
    if (attempts < 1) {
      throw new IllegalArgumentException("attempts must be at least 1");
    }
  }

  Duration delayBefore(int attempt) {
    return firstDelay.multipliedBy(1L << Math.min(attempt - 2, 16));
  }
}
