package io.treeline.jobs.benchmark;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.unix_millis;
import static org.apache.spark.sql.functions.window;

import io.treeline.core.config.TreelineConfig;
import io.treeline.core.spark.SparkSessions;
import io.treeline.featurestore.spec.FeatureRepository;
import io.treeline.featurestore.spec.FeatureSpec;
import io.treeline.featurestore.spec.FeatureView;
import io.treeline.featurestore.stream.KafkaBroker;
import io.treeline.featurestore.stream.StreamEvents;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.ForeachWriter;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.Trigger;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Spark's real-time mode ({@code Trigger.RealTime}, new in Spark 4.1, stateless queries only in 4.2)
 * against the micro-batch trigger, as a candidate online lane for streaming features. A KRaft broker
 * runs in this JVM (the feature-store test harness) and a producer thread sends synthetic flights
 * events (the JSON of docs/streaming.md, keyed by origin, about 1% outside the view's filter) at a
 * steady RATE, each record's timestamp its send time. One query reads the topic, parses it as the
 * stream does ({@link StreamEvents#parse}), keeps good events that pass the view's filter, projects
 * the view's entity, available_at and feature expressions (row level, no windows) and hands every
 * row to a {@link ForeachWriter} that puts it in an in-memory map, a stand-in for the online store,
 * and then records now − the Kafka record timestamp. After WARM_UP seconds (not counted) it prints
 * that latency's p50/p99/max over the events produced in the next SECONDS, each second's worst, the
 * rate processed and whether the stream kept up. Needs Spark's local mode: the writer's figures are
 * static fields of this JVM. Asserts nothing; a query Spark refuses prints Spark's message.
 *
 * <pre>java … RealTimeModeProbe FEATURES_DIR QUERY TRIGGER [RATE] [SECONDS] [PARTITIONS] [MASTER] [WARM_UP] [spark.sql.KEY=VALUE…]</pre>
 * QUERY is {@code rows} (the projection above) or {@code windowed} (per origin, a count and an
 * average over a sliding hour of available_at: what a windowed feature needs, stateful). TRIGGER is
 * {@code realtime} (Trigger.RealTime(), its default 5-minute batch), {@code realtime:MS} (batches of
 * MS milliseconds, at least spark.sql.streaming.realTimeMode.minBatchDuration) or {@code
 * processing:MS} (Trigger.ProcessingTime, MS 0: the next batch as soon as one ends). Defaults: 10000
 * events/s, 60 s, 2 topic partitions, local[2], 10 s. FEATURES_DIR is conf/features (the view
 * origin_delays). Real-time mode holds one task slot per topic partition for a whole batch: with
 * more partitions than slots (4 on local[2]) the partitions left without one are not read, and Spark
 * says nothing. Run it on the test classpath:
 * <pre>
 * mvn -B -q -o -DskipTests package dependency:build-classpath -pl jobs -am -Dmdep.outputFile=/tmp/cp.txt -Dmdep.includeScope=test
 * java $(cat jobs/target/launcher/jvm-flags.txt) -Xmx4g -Dlog4j2.configurationFile=conf/log4j2.xml \
 *   -cp jobs/target/test-classes:jobs/target/classes:$(cat /tmp/cp.txt) io.treeline.jobs.benchmark.RealTimeModeProbe conf/features rows realtime
 * </pre>
 */
public final class RealTimeModeProbe {
  private static final String VIEW = "origin_delays";
  private static final String TOPIC = "flights_live";
  private static final Duration DRAIN = Duration.ofSeconds(60);
  /** raw.flights as treeline data load writes it. */
  private static final StructType FLIGHTS = new StructType()
      .add("flight_id", DataTypes.StringType)
      .add("departure_time", DataTypes.TimestampNTZType)
      .add("departure_date", DataTypes.DateType)
      .add("origin", DataTypes.StringType)
      .add("destination", DataTypes.StringType)
      .add("distance", DataTypes.IntegerType)
      .add("arrival_delay", DataTypes.IntegerType);

  private RealTimeModeProbe() {}

  public static void main(String[] args) throws Exception {
    FeatureView view = FeatureRepository.load(Path.of(args[0])).get(VIEW);
    String shape = args[1];
    String trigger = args[2];
    int rate = args.length > 3 ? Integer.parseInt(args[3]) : 10_000;
    int seconds = args.length > 4 ? Integer.parseInt(args[4]) : 60;
    int partitions = args.length > 5 ? Integer.parseInt(args[5]) : 2;
    String master = args.length > 6 ? args[6] : "local[2]";
    int warmUp = args.length > 7 ? Integer.parseInt(args[7]) : 10;
    System.setProperty("spark.driver.host", "127.0.0.1");
    System.setProperty("spark.driver.bindAddress", "127.0.0.1");
    Path scratch = Files.createTempDirectory("treeline-rtm-probe");
    SparkSession spark = SparkSessions.create(TreelineConfig.defaults().with(Map.of(
        "spark.master", master, "spark.shuffle-partitions", "2", "lake.root", scratch.resolve("lake").toString())), "treeline-rtm-probe");
    for (int i = 8; i < args.length; i++) {
      String[] setting = args[i].split("=", 2);
      spark.conf().set(setting[0], setting[1]);
    }
    System.out.printf("spark %s, %s, %d cores, heap %,d MiB; trigger %s; topic %s, partitions %d; query %s; %,d events/s for %d s "
        + "after %d s not counted; spark.sql.streaming.realTimeMode.minBatchDuration %s; load average %s%n", spark.version(),
        spark.conf().get("spark.master"), Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20, trigger,
        TOPIC, partitions, shape, rate, seconds, warmUp, spark.conf().get("spark.sql.streaming.realTimeMode.minBatchDuration"),
        loadAverage());
    try (KafkaBroker broker = KafkaBroker.start()) {
      broker.createTopic(TOPIC, partitions);
      run(broker, () -> query(shape, spark, broker, view), shape.equals("rows"), trigger, rate, seconds, warmUp,
          scratch.resolve("checkpoint").toString());
    } finally {
      spark.stop();
      try (Stream<Path> paths = Files.walk(scratch)) {
        for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(path);
        }
      }
    }
  }

  /** Starts the query, then the producer; prints what the writer saw. {@code perEvent}: the writer gets one row per event. */
  private static void run(KafkaBroker broker, Supplier<Dataset<Row>> rows, boolean perEvent, String trigger, int rate, int seconds,
      int warmUp, String checkpoint) throws Exception {
    StreamingQuery query;
    try {
      query = rows.get().writeStream().queryName("rtm-probe").outputMode("update").trigger(trigger(trigger))
          .option("checkpointLocation", checkpoint).foreach(new OnlineWriter()).start();
    } catch (Exception e) {
      System.out.printf("REFUSED at start: %s: %s%n", e.getClass().getName(), e.getMessage());
      return;
    }
    // The source's first offsets are "latest" when the query starts; the warm-up covers the start-up.
    Thread.sleep(3000);
    if (!query.isActive()) {
      System.out.printf("FAILED before the producer started: %s%n", failure(query));
      return;
    }
    Producer producer = new Producer(broker.bootstrapServers(), rate, warmUp + seconds);
    Thread sending = new Thread(producer, "rtm-probe-producer");
    // Set before the producer starts, so that the producer and the writer agree on which events are counted.
    Measure.from.set(System.currentTimeMillis() + warmUp * 1000L);
    sending.start();
    Thread.sleep(Math.max(0, Measure.from.get() - System.currentTimeMillis()));
    CpuShare cpu = CpuShare.now();
    String loadAtStart = loadAverage();
    sending.join();
    Measure.until.set(producer.lastSent);
    String cpuUse = cpu.until(CpuShare.now());
    String loadAtEnd = loadAverage();
    long sentCounted = producer.passing.get();
    long drainStart = System.nanoTime();
    while ((perEvent ? Measure.counted.sum() < sentCounted : Measure.lastWrite.get() < Measure.until.get())
        && System.nanoTime() - drainStart < DRAIN.toNanos() && query.isActive()) {
      Thread.sleep(20);
    }
    double drainSeconds = (System.nanoTime() - drainStart) / 1e9;
    long lastWrite = Measure.lastWrite.get();
    double window = (Measure.until.get() - Measure.from.get()) / 1000.0;
    System.out.printf("producer: %,d events in %.1f s = %,.0f events/s (asked %,d)%s; from the %d s mark %,d events passing the "
        + "filter over %.1f s%n", producer.sent.get(), producer.elapsed, producer.sent.get() / producer.elapsed, rate,
        producer.failure.get() == null ? "" : ", FAILED: " + producer.failure.get(), warmUp, sentCounted, window);
    if (!query.isActive()) {
      System.out.printf("FAILED while running: %s%n", failure(query));
    }
    long counted = Measure.counted.sum();
    String whatWritten = !perEvent ? String.format("%,d aggregate rows (one per origin and window updated, not one per event)", counted)
        : String.format("%,d of them (%s)", counted, counted == sentCounted ? "all" : "MISSING " + (sentCounted - counted));
    System.out.printf("written: %s, the last %.1f s after the producer's end: %,.0f rows/s from the %d s mark to the last write; writer "
        + "opened %,d times (partition × epoch), %,d rows written in all%n", whatWritten, Math.max(0, lastWrite - Measure.until.get()) / 1000.0,
        counted / Math.max(window, (lastWrite - Measure.from.get()) / 1000.0), warmUp, Measure.opened.sum(), Measure.written.sum());
    System.out.printf("latency (Kafka record timestamp%s → written, ms): p50 %s, p90 %s, p99 %s, p99.9 %s, max %s%n",
        perEvent ? "" : " of the newest event behind the row", Measure.percentile(0.50),
        Measure.percentile(0.90), Measure.percentile(0.99), Measure.percentile(0.999), Measure.percentile(1.0));
    System.out.printf("each second's worst (ms), from the %d s mark: %s%n", warmUp, Measure.secondsWorst(warmUp, warmUp + seconds));
    System.out.printf("%s; load average %s at the %d s mark, %s at the producer's end; drained %.1f s after it%n", cpuUse, loadAtStart, warmUp,
        loadAtEnd, drainSeconds);
    System.out.printf("query progress reports: %d (%s)%n", query.recentProgress().length, query.status().message());
    query.stop();
  }

  /** What the writer gets: its first column the entity, its last the newest Kafka record timestamp behind the row. */
  static Dataset<Row> query(String shape, SparkSession spark, KafkaBroker broker, FeatureView view) {
    Dataset<Row> rows = rows(spark, broker, view);
    return switch (shape) {
      case "rows" -> rows;
      // What a windowed feature needs: state per entity (a shuffle by origin, a stateful aggregation).
      case "windowed" -> rows.withColumn("available_at", col("available_at").cast(DataTypes.TimestampType))
          .withWatermark("available_at", "10 minutes")
          .groupBy(col(view.entities().get(0)), window(col("available_at"), "1 hour", "10 minutes"))
          .agg(count(lit(1)).as("landed"), avg(col("value_1")).as("avg_delay"), max(col("produced_millis")).as("produced_millis"));
      default -> throw new IllegalArgumentException("QUERY is rows or windowed, not " + shape);
    };
  }

  /** Kafka → the view's row-level projection: what an online lane without windows would write. */
  static Dataset<Row> rows(SparkSession spark, KafkaBroker broker, FeatureView view) {
    Dataset<Row> raw = spark.readStream().format("kafka").option("kafka.bootstrap.servers", broker.bootstrapServers())
        .option("subscribe", TOPIC).option("startingOffsets", "latest").load().select(
            col("value").cast(DataTypes.StringType).as(StreamEvents.PAYLOAD), col("topic").as(StreamEvents.TOPIC),
            col("partition").as(StreamEvents.PARTITION), col("offset").as(StreamEvents.OFFSET),
            lit(null).cast(DataTypes.StringType).as(StreamEvents.FILE), col("timestamp").as(StreamEvents.PRODUCED_AT));
    Set<String> required = new HashSet<>(view.entities());
    required.add("departure_time");
    Dataset<Row> events = StreamEvents.parse(raw, FLIGHTS, required).where(col(StreamEvents.REASON).isNull());
    if (view.source().filter().isPresent()) {
      events = events.where(expr(view.source().filter().get()));
    }
    List<Column> columns = new ArrayList<>();
    view.entities().forEach(e -> columns.add(col(e)));
    columns.add(expr(view.availabilityExpression()).as("available_at"));
    Set<String> seen = new HashSet<>();
    for (FeatureSpec feature : view.features()) {
      if (feature.expr().isPresent() && seen.add(feature.expr().get())) {
        columns.add(expr(feature.expr().get()).as("value_" + seen.size()));
      }
    }
    columns.add(unix_millis(col(StreamEvents.PRODUCED_AT)).as("produced_millis"));
    return events.select(columns.toArray(Column[]::new));
  }

  static Trigger trigger(String name) {
    String[] parts = name.split(":", 2);
    return switch (parts[0]) {
      case "realtime" -> parts.length == 1 ? Trigger.RealTime() : Trigger.RealTime(Long.parseLong(parts[1]));
      case "processing" -> Trigger.ProcessingTime(parts.length == 1 ? 0 : Long.parseLong(parts[1]));
      default -> throw new IllegalArgumentException("TRIGGER is realtime, realtime:MS or processing:MS, not " + name);
    };
  }

  private static String failure(StreamingQuery query) {
    return query.exception().isDefined() ? describe(query.exception().get()) : "stopped";
  }

  /** Spark's message and its causes' (the first line of each). */
  private static String describe(Throwable e) {
    StringBuilder text = new StringBuilder();
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      String message = t.getMessage() == null ? "" : t.getMessage().lines().findFirst().orElse("");
      text.append(text.isEmpty() ? "" : " <- ").append(t.getClass().getSimpleName()).append(": ").append(message);
    }
    return text.toString();
  }

  private static String loadAverage() {
    try {
      return String.join(" ", List.of(Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+")).subList(0, 3));
    } catch (Exception e) {
      return "unknown";
    }
  }

  /** What the writer saw, shared by its instances: Spark's local mode runs them in this JVM. */
  static final class Measure {
    static final int MAX_MILLIS = 120_000;
    static final AtomicLong from = new AtomicLong(Long.MAX_VALUE);
    static final AtomicLong until = new AtomicLong(Long.MAX_VALUE);
    static final AtomicLong start = new AtomicLong();
    static final AtomicLong lastWrite = new AtomicLong();
    static final AtomicLongArray histogram = new AtomicLongArray(MAX_MILLIS + 1);
    static final AtomicLongArray worstBySecond = new AtomicLongArray(3_600);
    static final LongAdder counted = new LongAdder();
    static final LongAdder written = new LongAdder();
    static final LongAdder opened = new LongAdder();

    static void record(long produced, long now) {
      written.increment();
      long second = (produced - start.get()) / 1000;
      if (second >= 0 && second < worstBySecond.length()) {
        worstBySecond.accumulateAndGet((int) second, now - produced, Math::max);
      }
      if (produced >= from.get() && produced <= until.get()) {
        histogram.incrementAndGet((int) Math.max(0, Math.min(MAX_MILLIS, now - produced)));
        counted.increment();
        lastWrite.accumulateAndGet(now, Math::max);
      }
    }

    static String percentile(double p) {
      long total = 0;
      for (int i = 0; i < histogram.length(); i++) {
        total += histogram.get(i);
      }
      if (total == 0) {
        return "-";
      }
      long rank = Math.max(1, (long) Math.ceil(p * total));
      long seen = 0;
      for (int i = 0; i < histogram.length(); i++) {
        seen += histogram.get(i);
        if (seen >= rank) {
          return String.format("%,d%s", i, i == MAX_MILLIS ? "+" : "");
        }
      }
      return "-";
    }

    static String secondsWorst(int from, int to) {
      StringBuilder text = new StringBuilder();
      for (int s = from; s < Math.min(to, worstBySecond.length()); s++) {
        text.append(s == from ? "" : " ").append(String.format("%,d", worstBySecond.get(s)));
      }
      return text.toString();
    }
  }

  /** The online store's stand-in: the latest row of each entity in a map, then the latency recorded. */
  static final class OnlineWriter extends ForeachWriter<Row> {
    private static final Map<String, Row> STORE = new ConcurrentHashMap<>();

    @Override
    public boolean open(long partitionId, long epochId) {
      Measure.opened.increment();
      return true;
    }

    @Override
    public void process(Row row) {
      STORE.put(row.getString(0), row);
      Measure.record(row.getLong(row.length() - 1), System.currentTimeMillis());
    }

    @Override
    public void close(Throwable error) {}
  }

  /** Synthetic flights at a steady rate: each millisecond, what the rate owes so far; the record timestamp is the send time. */
  static final class Producer implements Runnable {
    private static final int DISTINCT = 50_000;
    private static final DateTimeFormatter SECOND = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss");
    private final KafkaProducer<String, String> producer;
    private final int rate;
    private final int seconds;
    private final String[] keys = new String[DISTINCT];
    private final String[] events = new String[DISTINCT];
    private final boolean[] passes = new boolean[DISTINCT];
    final AtomicLong sent = new AtomicLong();
    /** Events sent since {@link Measure#from} that pass the view's filter: the writer should count as many. */
    final AtomicLong passing = new AtomicLong();
    final AtomicReference<Exception> failure = new AtomicReference<>();
    volatile long lastSent;
    volatile double elapsed;

    Producer(String servers, int rate, int seconds) {
      Map<String, Object> properties = new HashMap<>();
      properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
      properties.put(ProducerConfig.CLIENT_ID_CONFIG, "rtm-probe");
      // As treeline replay sends (KafkaEventSink).
      properties.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
      properties.put(ProducerConfig.ACKS_CONFIG, "all");
      properties.put(ProducerConfig.LINGER_MS_CONFIG, 5);
      properties.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
      properties.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
      this.producer = new KafkaProducer<>(properties, new StringSerializer(), new StringSerializer());
      this.rate = rate;
      this.seconds = seconds;
      Random random = new Random(42);
      String[] airports = new String[300];
      for (int i = 0; i < airports.length; i++) {
        airports[i] = "" + (char) ('A' + i % 26) + (char) ('A' + i / 26 % 26) + (char) ('A' + i / 676 + 23);
      }
      for (int i = 0; i < DISTINCT; i++) {
        String origin = airports[random.nextInt(airports.length)];
        // About 1% outside the view's filter (arrival_delay BETWEEN -120 AND 1000).
        int delay = random.nextInt(100) == 0 ? 1_440 : (int) (random.nextGaussian() * 30);
        keys[i] = origin;
        passes[i] = delay >= -120 && delay <= 1_000;
        // The rest of the event after its departure time, which is the send time (UTC).
        events[i] = String.format("\",\"origin\":\"%s\",\"destination\":\"%s\",\"distance\":%d,\"arrival_delay\":%d}", origin,
            airports[random.nextInt(airports.length)], 100 + random.nextInt(2_500), delay);
      }
    }

    @Override
    public void run() {
      long total = (long) rate * seconds;
      long started = System.nanoTime();
      Measure.start.set(System.currentTimeMillis());
      try (producer) {
        long n = 0;
        long second = -1;
        String departure = "";
        while (n < total) {
          long owed = Math.min(total, (System.nanoTime() - started) * rate / 1_000_000_000L);
          for (; n < owed; n++) {
            long now = System.currentTimeMillis();
            if (now / 1000 != second) {
              second = now / 1000;
              LocalDateTime time = LocalDateTime.ofEpochSecond(second, 0, ZoneOffset.UTC);
              departure = SECOND.format(time) + "\",\"departure_date\":\"" + time.toLocalDate();
            }
            int i = (int) (n % DISTINCT);
            String event = "{\"flight_id\":\"" + n + "\",\"departure_time\":\"" + departure + events[i];
            producer.send(new ProducerRecord<>(TOPIC, null, now, keys[i], event), (metadata, e) -> {
              if (e != null) {
                failure.compareAndSet(null, e);
              }
            });
            lastSent = now;
            sent.incrementAndGet();
            if (passes[i] && now >= Measure.from.get()) {
              passing.incrementAndGet();
            }
          }
          Thread.sleep(1);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      elapsed = (System.nanoTime() - started) / 1e9;
    }
  }
}
