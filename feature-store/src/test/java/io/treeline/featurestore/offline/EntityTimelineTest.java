package io.treeline.featurestore.offline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.treeline.featurestore.spec.FeatureView;
import io.treeline.featurestore.spec.FeatureViewParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A timeline kept current event by event, with events arriving out of order within a watermark,
 * gives at every moment the row the batch timeline builder gives over the same events.
 */
class EntityTimelineTest {
  private static final String VIEW = """
      views:
        - name: k_stats
          entities: [k]
          source: {table: raw.k}
          event_time: t
          features:
            - {name: n_1h, agg: count, window: 1h}
            - {name: avg_1h, expr: x, agg: avg, window: 1h}
            - {name: sum_24h, expr: x, agg: sum, window: 24h}
            - {name: max_24h, expr: d, agg: max, window: 24h}
            - {name: min_1h, expr: d, agg: min, window: 1h}
            - {name: sd_7d, expr: d, agg: stddev, window: 7d}
            - {name: distinct_24h, expr: x, agg: approx_count_distinct, window: 24h}
            - {name: last_d_1h, expr: d, agg: last, window: 1h}
            - {name: last_x, expr: x, agg: last}
            - {name: x_now, expr: x}
      """;
  private static final long MINUTE = 60_000_000L;
  private static final long START = Micros.of(LocalDateTime.parse("2024-03-01T00:00"));

  @TempDir
  Path dir;

  record Arrival(long eventTime, long availableAt, Object[] values) {}

  @Test
  void events_arriving_out_of_order_within_the_watermark_give_the_batch_timeline_at_every_moment() throws Exception {
    FeatureView view = view();
    long watermark = 60 * MINUTE;
    for (int seed = 0; seed < 20; seed++) {
      Random random = new Random(seed);
      List<Arrival> events = events(random, 400);
      EntityTimeline.Shape shape = EntityTimeline.Shape.of(view);
      EntityTimeline timeline = shape.newTimeline();
      List<Arrival> arrived = new ArrayList<>();
      long clock = Long.MIN_VALUE;
      int checked = 0;
      for (int i = 0; i < events.size(); ) {
        // A micro-batch of one to twenty events; those older than the watermark are refused, as the stream does.
        int end = Math.min(events.size(), i + 1 + random.nextInt(20));
        long watermarkAtStart = clock == Long.MIN_VALUE ? Long.MIN_VALUE : clock - watermark;
        long newest = clock;
        for (; i < end; i++) {
          Arrival event = events.get(i);
          if (event.eventTime() < watermarkAtStart) {
            continue;
          }
          timeline.add(event.availableAt(), event.values());
          arrived.add(event);
          newest = Math.max(newest, event.eventTime());
        }
        clock = newest;
        List<Row> batch = builder(view, arrived);
        assertThat(row(timeline.at(clock))).as("seed %d, clock %s", seed, Micros.time(clock)).isEqualTo(expectedAt(batch, clock));
        assertThat(timeline.nextChange(clock)).as("seed %d, next change after %s", seed, Micros.time(clock)).isEqualTo(nextAfter(batch, clock));
        // Now and then a moment between change points, and a moment asked about twice.
        long between = clock + random.nextInt(120) * MINUTE;
        assertThat(row(timeline.at(between))).isEqualTo(expectedAt(batch, between));
        timeline.settle(clock - watermark);
        assertThat(row(timeline.at(between))).isEqualTo(expectedAt(batch, between));
        checked++;
      }
      assertThat(checked).isGreaterThan(20);
    }
  }

  @Test
  void an_event_from_before_the_settled_moment_is_refused_by_time() throws Exception {
    EntityTimeline timeline = EntityTimeline.Shape.of(view()).newTimeline();
    timeline.settle(START + 60 * MINUTE);
    assertThatThrownBy(() -> timeline.add(START, new Object[10])).hasMessageContaining("2024-03-01T00:00").hasMessageContaining("settled until 2024-03-01T01:00");
    assertThat(timeline.at(START + 61 * MINUTE)).isEmpty();
  }

  private FeatureView view() throws Exception {
    Path file = dir.resolve("views.yaml");
    Files.writeString(file, VIEW);
    return FeatureViewParser.parse(file).get(0);
  }

  /** Events in event-time order, shuffled within half an hour; some available hours later; awkward values. */
  private static List<Arrival> events(Random random, int n) {
    List<Arrival> events = new ArrayList<>();
    long t = START;
    for (int i = 0; i < n; i++) {
      t += random.nextInt(4) == 0 ? random.nextInt(600) * MINUTE : random.nextInt(10) * MINUTE;
      long eventTime = t + random.nextInt(30) * MINUTE;
      long available = random.nextInt(3) == 0 ? eventTime + random.nextInt(300) * MINUTE : eventTime;
      Long x = random.nextInt(8) == 0 ? null : random.nextInt(10) == 0 ? Long.MAX_VALUE / 3 : (long) random.nextInt(50) - 10;
      Double d = switch (random.nextInt(12)) {
        case 0 -> null;
        case 1 -> Double.NaN;
        case 2 -> 0.0;
        case 3 -> 1e16;
        default -> random.nextGaussian() * 100;
      };
      events.add(new Arrival(eventTime, available, new Object[] {1, x, x, d, d, d, x, d, x, x}));
    }
    // Arrival order: by half hour of event time, shuffled within it.
    java.util.Map<Arrival, Long> order = new java.util.IdentityHashMap<>();
    events.forEach(e -> order.put(e, e.eventTime() / (30 * MINUTE) * 1000 + random.nextInt(1000)));
    events.sort(Comparator.comparingLong(order::get));
    return events;
  }

  /** The batch timeline of the events, every change point from the first on. */
  private static List<Row> builder(FeatureView view, List<Arrival> arrived) {
    List<Row> input = arrived.stream().sorted(Comparator.comparingLong(Arrival::availableAt)).map(e -> {
      Object[] row = new Object[3 + e.values().length];
      row[0] = "a";
      row[1] = Micros.time(e.eventTime());
      row[2] = Micros.time(e.availableAt());
      System.arraycopy(e.values(), 0, row, 3, e.values().length);
      return RowFactory.create(row);
    }).toList();
    Iterator<Row> rows = new TimelineBuilder(view.features(), 1, Long.MIN_VALUE, Long.MAX_VALUE, null).build(input.iterator());
    List<Row> out = new ArrayList<>();
    rows.forEachRemaining(out::add);
    return out;
  }

  private static List<Object> expectedAt(List<Row> timeline, long moment) {
    Row latest = null;
    for (Row row : timeline) {
      if (Micros.of((LocalDateTime) row.get(1)) <= moment) {
        latest = row;
      }
    }
    if (latest == null) {
      return null;
    }
    List<Object> expected = new ArrayList<>();
    for (int i = 1; i < latest.size(); i++) {
      expected.add(latest.get(i));
    }
    return expected;
  }

  private static long nextAfter(List<Row> timeline, long moment) {
    for (Row row : timeline) {
      long changePoint = Micros.of((LocalDateTime) row.get(1));
      if (changePoint > moment) {
        return changePoint;
      }
    }
    return Long.MAX_VALUE;
  }

  private static List<Object> row(Optional<EntityTimeline.Row> row) {
    if (row.isEmpty()) {
      return null;
    }
    List<Object> values = new ArrayList<>();
    values.add(Micros.time(row.get().featureTime()));
    values.add(Micros.time(row.get().sourceTime()));
    values.addAll(java.util.Arrays.asList(row.get().values()));
    return values;
  }
}
