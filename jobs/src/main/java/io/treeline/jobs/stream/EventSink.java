package io.treeline.jobs.stream;

/**
 * Where a replay sends its events, one JSON object each, in the order given. Failures are {@link
 * io.treeline.core.error.TreelineException}s that name the destination.
 */
interface EventSink extends AutoCloseable {
  /** Sends one event; it may be buffered until {@link #finish}. */
  void send(String key, String json);

  /** Delivers everything sent so far, or fails. */
  void finish();

  /** What the events went to, for people: never a password. */
  String describe();

  /** Releases the sink's resources; after a failure, without waiting for what was not delivered. */
  @Override
  void close();
}
