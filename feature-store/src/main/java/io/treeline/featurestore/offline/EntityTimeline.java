package io.treeline.featurestore.offline;

import io.treeline.featurestore.spec.Aggregation;
import io.treeline.featurestore.spec.FeatureSpec;
import io.treeline.featurestore.spec.FeatureView;
import io.treeline.featurestore.spec.TimeWindow;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One entity's timeline kept current as a stream's events arrive: for any moment, the row {@link
 * TimelineBuilder} would give at the latest change point at or before it, with the same window
 * accumulators. Events may arrive in any order after the settled moment. Those before it are folded
 * into one window state for good; the later ones wait in availability order and are folded into a
 * copy of that state when a row is asked for. The copy is kept and extended while events arrive in
 * order, and made again only when one arrives before a moment already asked about.
 */
public final class EntityTimeline {
  /** A row: the change point, when its newest event became known (both micros), and the feature values. */
  public record Row(long featureTime, long sourceTime, Object[] values) {}

  /** The view's aggregations, windows and row-level flags, shared by every entity's timeline. */
  public static final class Shape {
    private final Aggregation[] aggregations;
    private final long[] windows;
    private final boolean[] rowLevel;

    private Shape(List<FeatureSpec> features) {
      aggregations = features.stream().map(FeatureSpec::effectiveAggregation).toArray(Aggregation[]::new);
      windows = features.stream().mapToLong(f -> f.window().map(TimeWindow::micros).orElse(SlidingWindows.UNBOUNDED)).toArray();
      rowLevel = new boolean[features.size()];
      for (int i = 0; i < rowLevel.length; i++) {
        rowLevel[i] = features.get(i).rowLevel();
      }
    }

    public static Shape of(FeatureView view) {
      return new Shape(view.features());
    }

    public EntityTimeline newTimeline() {
      return new EntityTimeline(new SlidingWindows(aggregations, windows, rowLevel));
    }
  }

  private final SlidingWindows settled;
  /** Every event available before this moment is in {@link #settled}; every later one in {@link #pending}. */
  private long settledUntil = Long.MIN_VALUE;
  private final TreeMap<Long, List<Event>> pending = new TreeMap<>();
  /** {@link #settled} with the pending events available at or before {@link #liveAt}; null when it must be made again. */
  private SlidingWindows live;
  private long liveAt;

  private EntityTimeline(SlidingWindows settled) {
    this.settled = settled;
  }

  /**
   * Takes an event in.
   *
   * @param availableAt when it became known (micros); not before the settled moment
   * @param values one per feature, as {@link ViewSource#prepared} gives them
   */
  public void add(long availableAt, Object[] values) {
    if (availableAt < settledUntil) {
      throw new IllegalArgumentException("an event available at " + Micros.time(availableAt) + " arrived after the timeline was settled until "
          + Micros.time(settledUntil));
    }
    pending.computeIfAbsent(availableAt, a -> new ArrayList<>(1)).add(new Event(availableAt, values));
    if (live != null && availableAt <= liveAt) {
      live = null;
    }
  }

  /** Folds the events available before {@code moment} in for good: no event available before it may arrive any more. */
  public void settle(long moment) {
    if (moment <= settledUntil) {
      return;
    }
    var before = pending.headMap(moment, false);
    for (Map.Entry<Long, List<Event>> events : before.entrySet()) {
      settled.expireUntil(events.getKey());
      events.getValue().forEach(settled::add);
    }
    before.clear();
    settled.expireUntil(moment - 1);
    settledUntil = moment;
    if (live != null && liveAt < moment - 1) {
      live = null; // it lacks events that have just left the pending ones
    }
  }

  /** The row at {@code moment}: the latest change point at or before it; empty before the first event is known. */
  public Optional<Row> at(long moment) {
    advanceTo(moment);
    long changed = Math.max(live.newestAvailable(), live.latestExit());
    return changed == Long.MIN_VALUE ? Optional.empty() : Optional.of(new Row(changed, live.newestAvailable(), live.values()));
  }

  /** The first moment after {@code moment} at which the row changes (an event becomes known or leaves a window), or Long.MAX_VALUE. */
  public long nextChange(long moment) {
    advanceTo(moment);
    Long nextEvent = pending.higherKey(moment);
    return Math.min(nextEvent == null ? Long.MAX_VALUE : nextEvent, live.nextExit());
  }

  private void advanceTo(long moment) {
    if (live == null || moment < liveAt) {
      live = settled.copy();
      liveAt = settledUntil == Long.MIN_VALUE ? Long.MIN_VALUE : settledUntil - 1;
    }
    if (moment == liveAt) {
      return;
    }
    for (Map.Entry<Long, List<Event>> events : pending.subMap(liveAt, false, moment, true).entrySet()) {
      live.expireUntil(events.getKey());
      events.getValue().forEach(live::add);
    }
    live.expireUntil(moment);
    liveAt = moment;
  }
}
