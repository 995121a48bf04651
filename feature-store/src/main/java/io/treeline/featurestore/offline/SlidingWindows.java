package io.treeline.featurestore.offline;

import io.treeline.featurestore.spec.Aggregation;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The feature values of one entity as its events arrive. The value at moment t aggregates the
 * events that became known in [t − window, t): they change only just after an event's
 * availability time a (it enters) and just after a + window (it leaves). {@link #advanceTo}
 * applies both kinds of change at a change point c, after which {@link #values} hold for every t in
 * (c, next change point].
 */
final class SlidingWindows {
  static final long UNBOUNDED = Long.MAX_VALUE;

  private final long[] windowMicros;
  private final List<ArrayDeque<Event>> inWindow = new ArrayList<>();
  private final List<List<Accumulator>> byWindow = new ArrayList<>();
  private final Accumulator[] byFeature;
  private long newestAvailable = Long.MIN_VALUE;
  private long latestExit = Long.MIN_VALUE;

  /** One aggregation, window length (micros, or UNBOUNDED) and row-level flag per feature. */
  SlidingWindows(Aggregation[] aggregations, long[] featureWindows, boolean[] rowLevel) {
    Map<Long, Integer> windows = new LinkedHashMap<>();
    byFeature = new Accumulator[aggregations.length];
    for (int i = 0; i < aggregations.length; i++) {
      long micros = featureWindows[i];
      int slot = windows.computeIfAbsent(micros, m -> {
        inWindow.add(new ArrayDeque<>());
        byWindow.add(new ArrayList<>());
        return windows.size();
      });
      byFeature[i] = Accumulator.of(aggregations[i], i, micros != UNBOUNDED, rowLevel[i]);
      byWindow.get(slot).add(byFeature[i]);
    }
    windowMicros = windows.keySet().stream().mapToLong(Long::longValue).toArray();
  }

  private SlidingWindows(SlidingWindows original) {
    windowMicros = original.windowMicros;
    byFeature = new Accumulator[original.byFeature.length];
    for (int i = 0; i < byFeature.length; i++) {
      byFeature[i] = original.byFeature[i].copy();
    }
    for (int w = 0; w < windowMicros.length; w++) {
      inWindow.add(new ArrayDeque<>(original.inWindow.get(w)));
      List<Accumulator> accumulators = new ArrayList<>();
      for (Accumulator accumulator : original.byWindow.get(w)) {
        accumulators.add(byFeature[accumulator.column]);
      }
      byWindow.add(accumulators);
    }
    newestAvailable = original.newestAvailable;
    latestExit = original.latestExit;
  }

  /** An independent copy in the same state. */
  SlidingWindows copy() {
    return new SlidingWindows(this);
  }

  /** The earliest moment after which an event leaves a window, or Long.MAX_VALUE. */
  long nextExit() {
    long next = Long.MAX_VALUE;
    for (int w = 0; w < windowMicros.length; w++) {
      Event oldest = inWindow.get(w).peekFirst();
      if (windowMicros[w] != UNBOUNDED && oldest != null) {
        next = Math.min(next, oldest.availableAt() + windowMicros[w]);
      }
    }
    return next;
  }

  /** Drops the events that have left the windows by moment c (availability ≤ c − window). */
  void expireUntil(long c) {
    for (int w = 0; w < windowMicros.length; w++) {
      if (windowMicros[w] == UNBOUNDED) {
        continue;
      }
      ArrayDeque<Event> events = inWindow.get(w);
      while (!events.isEmpty() && events.peekFirst().availableAt() + windowMicros[w] <= c) {
        Event leaving = events.pollFirst();
        latestExit = Math.max(latestExit, leaving.availableAt() + windowMicros[w]);
        for (Accumulator accumulator : byWindow.get(w)) {
          accumulator.remove(leaving);
        }
      }
    }
  }

  void add(Event event) {
    newestAvailable = event.availableAt();
    for (int w = 0; w < windowMicros.length; w++) {
      if (windowMicros[w] != UNBOUNDED) {
        inWindow.get(w).addLast(event);
      }
      for (Accumulator accumulator : byWindow.get(w)) {
        accumulator.add(event);
      }
    }
  }

  /**
   * When the newest event taken in became known (events arrive in availability order): the age of
   * the values is measured from it, whatever the windows still hold.
   */
  long newestAvailable() {
    return newestAvailable;
  }

  /** The latest moment an event left a window (a change point of the timeline), or Long.MIN_VALUE. */
  long latestExit() {
    return latestExit;
  }

  Object[] values() {
    Object[] values = new Object[byFeature.length];
    for (int i = 0; i < byFeature.length; i++) {
      values[i] = byFeature[i].value();
    }
    return values;
  }
}
