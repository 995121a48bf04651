package io.treeline.jobs.stream;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.to_json;

import io.delta.tables.DeltaTable;
import io.treeline.core.error.Errors;
import io.treeline.featurestore.stream.StreamSettings;
import io.treeline.jobs.data.LoadData;
import io.treeline.jobs.runtime.Job;
import io.treeline.jobs.runtime.JobContext;
import io.treeline.jobs.runtime.JobResult;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Replays {@code raw.flights} in event-time order (departure_time, then flight_id) as JSON events —
 * each row as Spark's {@code to_json(struct(*))}, which a stream reads back with the table's schema —
 * to a Kafka topic keyed by origin, or to files for Spark's file source. For demos, tests and
 * benchmarks of the streaming path; {@link Pacing} decides how fast.
 */
public final class ReplayEvents implements Job<ReplayEvents.Result> {
  static final String TIME = "departure_time";
  static final String KEY = "origin";

  private final EventRange range;
  private final ReplayTarget target;
  private final Pacing pacing;
  private final Duration kafkaMaxBlock;

  public ReplayEvents(EventRange range, ReplayTarget target, Pacing pacing) {
    this(range, target, pacing, KafkaEventSink.MAX_BLOCK);
  }

  /** @param kafkaMaxBlock how long to wait for unreachable brokers; tests shorten it */
  ReplayEvents(EventRange range, ReplayTarget target, Pacing pacing, Duration kafkaMaxBlock) {
    this.range = range;
    this.target = target;
    this.pacing = pacing;
    this.kafkaMaxBlock = kafkaMaxBlock;
  }

  /** @param files the event files written, or -1 when the events went to Kafka */
  public record Result(String target, long events, LocalDateTime firstEventTime, LocalDateTime lastEventTime, double seconds, int files)
      implements JobResult {
    public double eventsPerSecond() {
      return seconds > 0 ? events / seconds : 0;
    }

    @Override
    public String summaryLine() {
      if (events == 0) {
        return "Replayed no events to " + target + ": none in the range";
      }
      return String.format("Replayed %,d events (%s … %s) to %s%s in %.1f s (%,.0f events/s)", events, firstEventTime, lastEventTime,
          target, files < 0 ? "" : String.format(" (%,d file%s)", files, files == 1 ? "" : "s"), seconds, eventsPerSecond());
    }

    @Override
    public Map<String, Object> summary() {
      Map<String, Object> summary = new LinkedHashMap<>();
      summary.put("target", target);
      summary.put("events", events);
      summary.put("first_event_time", firstEventTime == null ? null : firstEventTime.toString());
      summary.put("last_event_time", lastEventTime == null ? null : lastEventTime.toString());
      summary.put("seconds", Math.round(seconds * 1000) / 1000.0);
      summary.put("events_per_second", Math.round(eventsPerSecond()));
      if (files >= 0) {
        summary.put("files", files);
      }
      return summary;
    }
  }

  @Override
  public Result run(JobContext context) {
    StreamSettings settings = StreamSettings.from(context.config());
    if (target.kafka() && !settings.kafka()) {
      throw Errors.invalidInput("replay", LoadData.FLIGHTS.toString(), "no Kafka brokers are set (stream.kafka.bootstrap-servers is empty)",
          "Set --conf stream.kafka.bootstrap-servers=HOST:PORT, or write event files with --to-dir DIR.");
    }
    try (EventSink sink = open(context, settings)) {
      context.out().printf("Replaying %s (%s) to %s, %s%n", LoadData.FLIGHTS, range.describe(), sink.describe(), pacing.describe());
      Iterator<Row> events = events(context, range).toLocalIterator();
      Pacing.Pacer pacer = pacing.start();
      long sent = 0;
      long startNanos = 0;
      LocalDateTime first = null;
      LocalDateTime last = null;
      while (sent < range.maxEvents() && events.hasNext()) {
        Row event = events.next();
        LocalDateTime time = event.getAs(TIME);
        if (sent == 0) {
          startNanos = System.nanoTime();
          first = time;
        }
        pacer.await(time);
        sink.send(event.getAs(KEY), event.getAs("json"));
        last = time;
        if (++sent % 10_000 == 0) {
          context.progress().status(String.format("replayed %,d events", sent));
        }
      }
      sink.finish();
      double seconds = sent == 0 ? 0 : (System.nanoTime() - startNanos) / 1e9;
      int files = sink instanceof EventFileSink fileSink ? fileSink.filesWritten() : -1;
      return new Result(sink.describe(), sent, first, last, seconds, files);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw Errors.jobFailed("replay", LoadData.FLIGHTS.toString(), "interrupted", "Run it again.", e);
    }
  }

  private EventSink open(JobContext context, StreamSettings settings) {
    if (target.kafka()) {
      return KafkaEventSink.open(settings, target.topic().orElse(settings.topic()), kafkaMaxBlock);
    }
    return EventFileSink.open(target.dir().orElseThrow(), target.eventsPerFile(), context.spark().sparkContext().hadoopConfiguration());
  }

  /** How many events a replay of {@code range} would send. */
  public static long count(JobContext context, EventRange range) {
    return Math.min(events(context, range).count(), range.maxEvents());
  }

  /** The key, the time and the event of each flight in the range, in event-time order. */
  private static Dataset<Row> events(JobContext context, EventRange range) {
    String location = context.layout().table(LoadData.FLIGHTS);
    if (!DeltaTable.isDeltaTable(context.spark(), location)) {
      throw Errors.invalidInput("replay", LoadData.FLIGHTS.toString(), "it has not been loaded (no Delta table at " + location + ")",
          "Run `treeline data fetch` and `treeline data load` first.");
    }
    Dataset<Row> flights = context.spark().read().format("delta").load(location);
    Column event = to_json(struct(Arrays.stream(flights.columns()).map(c -> col(c)).toArray(Column[]::new)));
    // Ties in time keep one order on every run; the limit is applied while sending, as a limit in
    // Spark would gather the first N rows into one partition before the first is sent.
    return range.applyTo(flights, TIME).orderBy(TIME, "flight_id").select(col(KEY), col(TIME), event.as("json"));
  }
}
