package io.treeline.featurestore.stream;

import io.treeline.featurestore.offline.Micros;
import java.util.List;
import org.apache.spark.sql.Row;

/**
 * What a view's stream has done since it started: batches, events accepted and refused, online
 * writes, and freshness — for each accepted event, the time from its production (Kafka's record
 * timestamp, or the event file's modification time) to the end of the online write that made it
 * readable (production times in 100 ms buckets, the histogram in 10 ms ones).
 */
public final class StreamMetrics {
  private static final int BUCKET_MILLIS = 10;
  private static final int BUCKETS = 60_000 / BUCKET_MILLIS;

  private long lastBatch = -1;
  private long batches;
  private long events;
  private long refused;
  private long onlineWrites;
  private long lastBatchMillis;
  private String clock = "";
  private final long[] freshness = new long[BUCKETS + 1];

  /** What {@link #snapshot} returns. Freshness figures are in milliseconds, -1 before any event. */
  public record Snapshot(long lastBatch, long batches, long events, long refused, long onlineWrites, long lastBatchMillis, String clock,
      double freshnessP50Millis, double freshnessP99Millis) {}

  /** @param produced rows of (bucket: production time in 100 ms units since the epoch, count) */
  synchronized void batchDone(long batchId, long accepted, long refusedEvents, long online, List<Row> produced, long nanos, StreamClock after) {
    long now = System.currentTimeMillis();
    for (Row row : produced) {
      if (row.isNullAt(0)) {
        continue;
      }
      long producedAt = row.getLong(0) * 100 + 50;
      int bucket = (int) Math.min(BUCKETS, Math.max(0, (now - producedAt) / BUCKET_MILLIS));
      freshness[bucket] += row.getLong(1);
    }
    lastBatch = batchId;
    batches++;
    events += accepted;
    refused += refusedEvents;
    onlineWrites += online;
    lastBatchMillis = nanos / 1_000_000;
    clock = after.started() ? Micros.time(after.newestEventMicros()).toString() : "";
  }

  /**
   * One step of the online lane: events accepted, entities written, and the production time (epoch
   * milliseconds) of each event the write made readable.
   */
  synchronized void laneStep(long accepted, long online, long[] producedMillis, int produced, long nanos, StreamClock after) {
    long now = System.currentTimeMillis();
    for (int i = 0; i < produced; i++) {
      freshness[(int) Math.min(BUCKETS, Math.max(0, (now - producedMillis[i]) / BUCKET_MILLIS))]++;
    }
    lastBatch = batches;
    batches++;
    events += accepted;
    onlineWrites += online;
    lastBatchMillis = nanos / 1_000_000;
    clock = after.started() ? Micros.time(after.newestEventMicros()).toString() : "";
  }

  /** Forgets the freshness seen so far (a benchmark measures one phase at a time). */
  public synchronized void resetFreshness() {
    java.util.Arrays.fill(freshness, 0);
  }

  public synchronized Snapshot snapshot() {
    return new Snapshot(lastBatch, batches, events, refused, onlineWrites, lastBatchMillis, clock, percentile(0.50), percentile(0.99));
  }

  private double percentile(double p) {
    long total = 0;
    for (long c : freshness) {
      total += c;
    }
    if (total == 0) {
      return -1;
    }
    long rank = (long) Math.ceil(p * total);
    long seen = 0;
    for (int i = 0; i < freshness.length; i++) {
      seen += freshness[i];
      if (seen >= rank) {
        return (i + 0.5) * BUCKET_MILLIS;
      }
    }
    return BUCKETS * BUCKET_MILLIS;
  }
}
