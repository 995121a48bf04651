package io.treeline.featurestore.offline;

import io.treeline.featurestore.spec.Aggregation;
import io.treeline.featurestore.spec.FeatureSpec;
import io.treeline.featurestore.spec.TimeWindow;
import java.io.Serializable;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * Turns a partition of source rows, sorted by entity and availability time, into the view's
 * timeline: one row per entity and change point with every feature's value from that moment on,
 * and the moment the newest source row behind them became known. Runs on the executors, streaming:
 * only the events inside the windows are held in memory. Rows without an event time cannot be placed
 * in time: they are left out and counted in {@link UnplacedRows}.
 */
final class TimelineBuilder implements Serializable {
  private final Aggregation[] aggregations;
  private final long[] windows;
  private final boolean[] rowLevel;
  private final int keyCount;
  private final long emitFrom;
  private final long emitUntil;
  private final UnplacedRows unplaced;

  /**
   * @param emitFrom first change point to emit (micros, inclusive)
   * @param emitUntil end of the range to emit (micros, exclusive)
   */
  TimelineBuilder(List<FeatureSpec> features, int keyCount, long emitFrom, long emitUntil, UnplacedRows unplaced) {
    this.aggregations = features.stream().map(FeatureSpec::effectiveAggregation).toArray(Aggregation[]::new);
    this.windows = features.stream().mapToLong(f -> f.window().map(TimeWindow::micros).orElse(SlidingWindows.UNBOUNDED)).toArray();
    this.rowLevel = new boolean[features.size()];
    for (int i = 0; i < rowLevel.length; i++) {
      rowLevel[i] = features.get(i).rowLevel();
    }
    this.keyCount = keyCount;
    this.emitFrom = emitFrom;
    this.emitUntil = emitUntil;
    this.unplaced = unplaced;
  }

  /** Input rows: keys, event time, availability time, one value per feature (see ViewSource.prepared). */
  Iterator<Row> build(Iterator<Row> sorted) {
    return new Iterator<>() {
      private Row pending = nextPlaced();
      private final List<Row> ready = new ArrayList<>();
      private int readyIndex;
      private Object[] key;
      private SlidingWindows windows;

      @Override
      public boolean hasNext() {
        while (readyIndex >= ready.size() && (key != null || pending != null)) {
          ready.clear();
          readyIndex = 0;
          step();
        }
        return readyIndex < ready.size();
      }

      @Override
      public Row next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        return ready.get(readyIndex++);
      }

      private Row nextPlaced() {
        while (sorted.hasNext()) {
          Row row = sorted.next();
          if (row.isNullAt(keyCount) || row.isNullAt(keyCount + 1)) {
            unplaced.record(row);
          } else {
            return row;
          }
        }
        return null;
      }

      /**
       * Advances the current entity by up to a few thousand change points into {@code ready}, so an
       * entity with a long history never piles up in memory; starts the next entity when done.
       */
      private void step() {
        if (key == null) {
          key = keyOf(pending);
          windows = new SlidingWindows(aggregations, TimelineBuilder.this.windows, rowLevel);
        }
        while (ready.size() < 4096) {
          boolean sameEntity = pending != null && sameKey(key, pending);
          long nextEvent = sameEntity ? Micros.of((LocalDateTime) pending.get(keyCount + 1)) : Long.MAX_VALUE;
          long c = Math.min(nextEvent, windows.nextExit());
          if (c == Long.MAX_VALUE || c >= emitUntil) {
            while (pending != null && sameKey(key, pending)) {
              pending = nextPlaced(); // events at or after the range's end
            }
            key = null;
            windows = null;
            return;
          }
          windows.expireUntil(c);
          while (pending != null && sameKey(key, pending) && Micros.of((LocalDateTime) pending.get(keyCount + 1)) == c) {
            windows.add(new Event(c, valuesOf(pending)));
            pending = nextPlaced();
          }
          if (c >= emitFrom) {
            ready.add(output(key, c, windows.newestAvailable(), windows.values()));
          }
        }
      }
    };
  }

  private Object[] keyOf(Row row) {
    Object[] key = new Object[keyCount];
    for (int i = 0; i < keyCount; i++) {
      key[i] = row.get(i);
    }
    return key;
  }

  private boolean sameKey(Object[] key, Row row) {
    for (int i = 0; i < keyCount; i++) {
      if (!Objects.equals(key[i], row.get(i))) {
        return false;
      }
    }
    return true;
  }

  private Object[] valuesOf(Row row) {
    Object[] values = new Object[aggregations.length];
    for (int i = 0; i < values.length; i++) {
      values[i] = row.get(keyCount + 2 + i);
    }
    return values;
  }

  private Row output(Object[] key, long changePoint, long sourceTime, Object[] values) {
    Object[] row = new Object[keyCount + 2 + values.length];
    System.arraycopy(key, 0, row, 0, keyCount);
    row[keyCount] = Micros.time(changePoint);
    row[keyCount + 1] = Micros.time(sourceTime);
    System.arraycopy(values, 0, row, keyCount + 2, values.length);
    return RowFactory.create(row);
  }
}
