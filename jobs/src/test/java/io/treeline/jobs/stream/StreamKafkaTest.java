package io.treeline.jobs.stream;

import static io.treeline.jobs.JobsTestSupport.SHORT_LIVED_JVM;
import static io.treeline.jobs.JobsTestSupport.runJob;
import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.delta.tables.DeltaTable;
import io.treeline.core.lake.LakeLayout;
import io.treeline.core.testing.TempLake;
import io.treeline.core.testing.TestSpark;
import io.treeline.featurestore.offline.Materializer;
import io.treeline.featurestore.offline.ViewSource;
import io.treeline.featurestore.online.EmbeddedOnlineStore;
import io.treeline.featurestore.online.EntityKey;
import io.treeline.featurestore.online.FeatureValues;
import io.treeline.featurestore.online.RedisOnlineStore;
import io.treeline.featurestore.online.RedisServer;
import io.treeline.featurestore.online.LatestValues;
import io.treeline.featurestore.spec.FeatureRepository;
import io.treeline.featurestore.spec.FeatureView;
import io.treeline.featurestore.stream.KafkaBroker;
import io.treeline.featurestore.stream.ViewStream;
import io.treeline.jobs.data.LoadData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * treeline stream against a real Kafka broker: killed mid-batch and restarted, stopped cleanly and
 * restarted, fed malformed events, and its online lane killed mid-stream and restarted. The killed stream runs as a separate process (bin/treeline's
 * Main), so SIGKILL really ends it; every check compares with what features materialize computes
 * from the same events.
 */
class StreamKafkaTest {
  private static final String VIEW = "origin_airport_stats";
  private static final Duration PROCESS_TIMEOUT = Duration.ofMinutes(5);

  private static KafkaBroker kafka;

  @BeforeAll
  static void startKafka() throws Exception {
    kafka = KafkaBroker.start();
  }

  // Stopped here rather than by a shutdown hook: the test kit deletes the broker's directories in a
  // hook of its own, and a broker still running when its log directory disappears halts the JVM
  // with status 1, which fails the build after every test has passed.
  @AfterAll
  static void stopKafka() {
    kafka.close();
  }

  /**
   * One stream's life: killed between batch 1's Delta writes and its online write, restarted on the same checkpoint,
   * stopped cleanly once it has caught up, and restarted again. (One test rather than two: each process costs a JVM and
   * a SparkSession.)
   */
  @Test
  void killed_between_its_delta_and_online_writes_then_restarted_and_stopped_cleanly_the_stream_counts_every_event_once()
      throws Exception {
    kafka.createTopic("killed", 2);
    replay("killed", 6_000);
    try (TempLake out = StreamFixture.outputLake()) {
      Path marker = out.root().resolve("paused");
      Process first = stream(out, "killed", marker, List.of("-Dtreeline.test.pause-before-online-batch=1", "-Dtreeline.test.pause-marker=" + marker));
      waitFor(() -> Files.exists(marker), first, out.root().resolve("stream.log"));
      first.destroyForcibly(); // SIGKILL
      assertThat(first.waitFor(1, TimeUnit.MINUTES)).isTrue();
      SparkSession spark = TestSpark.session();
      LakeLayout layout = out.layout();
      // Killed after batch 1's Delta writes: the feature table has them, the online table only batch 0's.
      assertThat(txnVersion(spark, layout.table(view().offlineTable()))).isEqualTo(1);
      assertThat(DeltaTable.forPath(spark, layout.table(EmbeddedOnlineStore.table(VIEW))).history().count()).isEqualTo(1);

      // The killed process's last status must not pass for the restarted one's.
      Path status = Path.of(out.root() + "/checkpoints/stream/" + VIEW + "/treeline/status.json");
      Files.deleteIfExists(status);
      Process second = stream(out, "killed", null, List.of());
      waitFor(() -> Files.exists(status) && Files.readString(status).contains("\"lag\" : 0"), second, out.root().resolve("stream.log"));
      second.destroy(); // SIGTERM: the batch in progress finishes, the summary is printed, and an orchestrator sees success
      assertThat(second.waitFor(2, TimeUnit.MINUTES)).isTrue();
      String log = Files.readString(out.root().resolve("stream.log"));
      assertThat(second.exitValue()).as(log).isZero();
      assertThat(log).contains("SIGTERM received: stopping gracefully", "Streamed 1 view from kafka topic killed");
      assertThat(Files.readString(status)).contains("\"state\" : \"stopped\"");
      assertExactlyTheBatchValues(out, 6_000);

      long featureVersion = DeltaTable.forPath(spark, layout.table(view().offlineTable())).history(1).first().getLong(0);
      long logVersion = DeltaTable.forPath(spark, layout.table(ViewStream.eventLog(view()))).history(1).first().getLong(0);
      RunStreams.Result again = runJob(new RunStreams(List.of(VIEW), true), out.config(settings("killed"))).result();
      assertThat(again.views().get(0).metrics().events()).isZero();
      assertThat(DeltaTable.forPath(spark, layout.table(view().offlineTable())).history(1).first().getLong(0)).isEqualTo(featureVersion);
      assertThat(DeltaTable.forPath(spark, layout.table(ViewStream.eventLog(view()))).history(1).first().getLong(0)).isEqualTo(logVersion);
    }
  }

  @Test
  void malformed_events_go_to_the_dead_letters_with_their_coordinates_and_the_good_ones_around_them_count() throws Exception {
    kafka.createTopic("malformed", 1);
    List<String> good = TestSpark.session().read().format("delta").load(StreamFixture.source().table(LoadData.FLIGHTS))
        .orderBy("departure_time", "flight_id").limit(40).selectExpr("to_json(struct(*))").as(org.apache.spark.sql.Encoders.STRING()).collectAsList();
    List<String> bad = List.of("{\"origin\": \"SFO\", \"departure_time\": \"2001-01-01T10:00:00\"", // cut off
        "{\"destination\":\"LAX\",\"departure_time\":\"2001-01-01T10:00:00\",\"distance\":337,\"arrival_delay\":3}",
        good.get(5).replaceFirst("\"distance\":\\d+", "\"distance\":\"far\""));
    Map<String, RecordMetadata> sent = new LinkedHashMap<>();
    try (KafkaProducer<String, String> producer = producer(kafka)) {
      for (int i = 0; i < good.size(); i++) {
        producer.send(new ProducerRecord<>("malformed", good.get(i))).get();
        if (i % 10 == 5 && i / 10 < bad.size()) {
          String payload = bad.get(i / 10);
          sent.put(payload, producer.send(new ProducerRecord<>("malformed", payload)).get());
        }
      }
    }
    try (TempLake out = StreamFixture.outputLake()) {
      RunStreams.Result result = runJob(new RunStreams(List.of(VIEW), true), out.config(settings("malformed"))).result();

      assertThat(result.views().get(0).metrics().refused()).isEqualTo(3);
      List<Row> dead = TestSpark.table(out.layout().table(ViewStream.DEAD_LETTERS)).orderBy("offset").collectAsList();
      assertThat(dead).extracting(r -> r.<String>getAs("reason"))
          .containsExactly("not a JSON object", "missing origin", "distance: far is not a int");
      for (Row row : dead) {
        RecordMetadata where = sent.get(row.<String>getAs("payload"));
        assertThat(row.<String>getAs("topic")).isEqualTo("malformed");
        assertThat(row.<Integer>getAs("partition")).isEqualTo(where.partition());
        assertThat(row.<Long>getAs("offset")).isEqualTo(where.offset());
      }
      long expectedGood = ViewSource.prepared(view(), ViewSource.derived(view(), firstFlights(40))).count();
      assertThat(TestSpark.table(out.layout().table(ViewStream.eventLog(view()))).count()).isEqualTo(expectedGood);
    }
  }

  @Test
  void events_out_of_order_within_the_watermark_give_the_values_materialize_gives() throws Exception {
    kafka.createTopic("shuffled", 1);
    List<Row> events = firstFlights(4_000).selectExpr("origin", "to_json(struct(*))").collectAsList();
    try (KafkaProducer<String, String> producer = producer(kafka)) {
      // Every run of 40 departures (about 40 minutes) is sent newest first, so events arrive up to ~40 minutes late.
      for (int start = 0; start < events.size(); start += 40) {
        for (int i = Math.min(events.size(), start + 40) - 1; i >= start; i--) {
          producer.send(new ProducerRecord<>("shuffled", events.get(i).getString(0), events.get(i).getString(1)));
        }
      }
    }
    try (TempLake out = StreamFixture.outputLake()) {
      RunStreams.Result result = runJob(new RunStreams(List.of(VIEW), true), out.config(settings("shuffled"))).result();

      assertThat(result.views().get(0).metrics().batches()).isGreaterThanOrEqualTo(3);
      assertThat(result.views().get(0).metrics().refused()).isZero();
      assertExactlyTheBatchValues(out, 4_000);
      String status = runJob(new ShowStreamStatus(), out.config(settings("shuffled"))).out();
      assertThat(status).contains("origin_airport_stats", "stopped", "4,000");
    }
  }

  @Test
  void offsets_gone_from_the_topic_stop_the_stream_and_say_what_happened() throws Exception {
    kafka.createTopic("recreated", 1);
    replay("recreated", 500);
    try (TempLake out = StreamFixture.outputLake()) {
      runJob(new RunStreams(List.of(VIEW), true), out.config(settings("recreated")));
      try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
        admin.deleteTopics(List.of("recreated")).all().get(30, TimeUnit.SECONDS);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (admin.listTopics().names().get().contains("recreated") && System.nanoTime() < deadline) {
          Thread.sleep(100);
        }
      }
      kafka.createTopic("recreated", 1);
      replay("recreated", 10);

      assertThatThrownBy(() -> runJob(new RunStreams(List.of(VIEW), true), out.config(settings("recreated"))))
          .isInstanceOf(io.treeline.core.error.JobFailedException.class)
          .hasMessageContaining("Cannot stream view origin_airport_stats: events it had not read yet are gone from the topic")
          .hasMessageContaining("stream.kafka.fail-on-data-loss is true");
    }
  }

  @Test
  void the_online_lane_killed_mid_stream_and_restarted_writes_what_materialize_gives() throws Exception {
    kafka.createTopic("lane", 2);
    List<Row> flights = firstFlights(6_001).select("departure_time").collectAsList();
    LocalDateTime split = (LocalDateTime) flights.get(3_000).get(0);
    LocalDateTime end = (LocalDateTime) flights.get(6_000).get(0);
    replay("lane", new EventRange(Optional.empty(), Optional.of(split), Optional.empty()));
    try (TempLake out = StreamFixture.outputLake(); RedisServer redis = RedisServer.start();
        RedisOnlineStore store = new RedisOnlineStore(redis.url(), Duration.ZERO)) {
      Map<String, String> lane = Map.of("stream.online-lane", "true", "online-store.type", "redis", "online-store.redis.url", redis.url());
      Path status = Path.of(out.root() + "/checkpoints/stream/" + VIEW + "/treeline/status.json");
      Path log = out.root().resolve("stream.log");
      LocalDateTime firstClock = newestBefore(split);
      Process first = stream(out, "lane", List.of(), lane);
      waitFor(() -> Files.exists(status) && Files.readString(status).contains("\"online_clock\" : \"" + firstClock + "\""), first, log);
      first.destroyForcibly(); // SIGKILL: the lane's windows are gone with it
      assertThat(first.waitFor(1, TimeUnit.MINUTES)).isTrue();
      assertThat(onlineValues(store, new ArrayList<>(expectedOnline(split, firstClock).keySet()))).isEqualTo(expectedOnline(split, firstClock));

      replay("lane", new EventRange(Optional.of(split), Optional.of(end), Optional.empty()));
      LocalDateTime clock = newestBefore(end);
      Process second = stream(out, "lane", List.of(), lane);
      waitFor(() -> Files.readString(status).contains("\"online_clock\" : \"" + clock + "\""), second, log);
      second.destroy();
      assertThat(second.waitFor(2, TimeUnit.MINUTES)).isTrue();
      Map<String, List<Object>> expected = expectedOnline(end, clock);
      assertThat(onlineValues(store, new ArrayList<>(expected.keySet()))).isEqualTo(expected);
    }
  }

  private static LocalDateTime newestBefore(LocalDateTime until) {
    return (LocalDateTime) TestSpark.session().read().format("delta").load(StreamFixture.source().table(LoadData.FLIGHTS))
        .where(col("departure_time").lt(org.apache.spark.sql.functions.lit(until))).agg(org.apache.spark.sql.functions.max("departure_time")).first().get(0);
  }

  /** Per origin, the feature time and values features materialize gives as of the clock, from the flights before {@code until}. */
  private static Map<String, List<Object>> expectedOnline(LocalDateTime until, LocalDateTime clock) {
    SparkSession spark = TestSpark.session();
    FeatureView view = view();
    Dataset<Row> flights = spark.read().format("delta").load(StreamFixture.source().table(LoadData.FLIGHTS))
        .where(col("departure_time").lt(org.apache.spark.sql.functions.lit(until)));
    Dataset<Row> timeline = Materializer.timeline(view, ViewSource.prepared(view, ViewSource.derived(view, flights)), Optional.empty(), Optional.empty(),
        spark.sparkContext().longAccumulator());
    Map<String, List<Object>> expected = new LinkedHashMap<>();
    for (Row row : LatestValues.of(view, timeline, Optional.of(clock.plusNanos(1000)), LocalDateTime.now()).orderBy("origin").collectAsList()) {
      List<Object> values = new ArrayList<>();
      values.add(row.getAs("feature_time"));
      for (var feature : view.features()) {
        Object value = row.getAs(feature.name());
        values.add(value instanceof Integer || value instanceof Long ? (Object) ((Number) value).longValue()
            : value instanceof Number n ? (Object) n.doubleValue() : value);
      }
      expected.put(row.getString(0), values);
    }
    return expected;
  }

  private static Map<String, List<Object>> onlineValues(RedisOnlineStore store, List<String> origins) {
    FeatureView view = view();
    var read = store.read(LatestValues.table(view), origins.stream().map(o -> new EntityKey(List.of(o))).toList());
    Map<String, List<Object>> online = new LinkedHashMap<>();
    for (String origin : origins) {
      FeatureValues values = read.get(new EntityKey(List.of(origin)));
      if (values != null) {
        List<Object> row = new ArrayList<>();
        row.add(values.featureTime());
        view.features().forEach(f -> row.add(values.values().get(f.name())));
        online.put(origin, row);
      }
    }
    return online;
  }

  /** The feature table, online table and event log hold exactly what materialize computes from the first {@code n} flights. */
  private static void assertExactlyTheBatchValues(TempLake out, int n) {
    SparkSession spark = TestSpark.session();
    FeatureView view = view();
    Dataset<Row> prepared = ViewSource.prepared(view, ViewSource.derived(view, firstFlights(n)));
    Dataset<Row> log = TestSpark.table(out.layout().table(ViewStream.eventLog(view))).drop("__batch_id");
    assertThat(log.count()).as("events in the log").isEqualTo(prepared.count());
    assertThat(log.except(prepared).count() + prepared.except(log).count()).as("log differs from the events").isZero();
    assertThat(log.distinct().count()).isEqualTo(prepared.distinct().count());

    Dataset<Row> expected = Materializer.timeline(view, prepared, Optional.empty(), Optional.empty(), spark.sparkContext().longAccumulator());
    List<Row> actual = TestSpark.table(out.layout().table(view.offlineTable())).orderBy("origin", "feature_time").collectAsList();
    assertThat(actual).containsExactlyElementsOf(expected.orderBy("origin", "feature_time").collectAsList());

    // Online values are as of the stream's clock: the newest departure it has seen.
    LocalDateTime newest = (LocalDateTime) firstFlights(n).agg(org.apache.spark.sql.functions.max("departure_time")).first().get(0);
    List<Row> online = TestSpark.table(out.layout().table(EmbeddedOnlineStore.table(VIEW))).orderBy("origin").collectAsList();
    List<Row> expectedOnline = LatestValues.of(view, expected, Optional.of(newest.plusNanos(1000)), LocalDateTime.now()).orderBy("origin").collectAsList();
    assertThat(online).containsExactlyElementsOf(expectedOnline);
  }

  private static Dataset<Row> firstFlights(int n) {
    return TestSpark.session().read().format("delta").load(StreamFixture.source().table(LoadData.FLIGHTS))
        .orderBy("departure_time", "flight_id").limit(n);
  }

  private static FeatureView view() {
    return FeatureRepository.load(StreamFixture.featuresDir()).get(VIEW);
  }

  /** The newest batch the stream committed to its feature table (from the commit's userMetadata), or -1. */
  private static long txnVersion(SparkSession spark, String table) {
    Row newest = DeltaTable.forPath(spark, table).history()
        .selectExpr("max(cast(regexp_extract(userMetadata, 'batch ([0-9]+)', 1) as long))").first();
    return newest.isNullAt(0) ? -1 : newest.getLong(0);
  }

  private static void replay(String topic, int events) throws Exception {
    replay(topic, new EventRange(Optional.empty(), Optional.empty(), Optional.of((long) events)));
  }

  private static void replay(String topic, EventRange range) throws Exception {
    Map<String, String> settings = new LinkedHashMap<>(settings(topic));
    runJob(new ReplayEvents(range, ReplayTarget.kafka(Optional.of(topic)), Pacing.asFastAsPossible()), StreamFixture.lake().config(settings));
  }

  private static Map<String, String> settings(String topic) throws Exception {
    return Map.of(
        "features.dir", StreamFixture.featuresDir().toString(),
        "stream.kafka.bootstrap-servers", kafka.bootstrapServers(),
        "stream.kafka.topic", topic,
        "stream.kafka.max-offsets-per-trigger", "1500",
        "stream.trigger-seconds", "1",
        // These tests are of the micro-batches' own online write; the online lane has its test below.
        "stream.online-lane", "false");
  }

  /** `treeline stream --view origin_airport_stats` in a JVM of its own, as bin/treeline starts it. */
  private static Process stream(TempLake out, String topic, Path marker, List<String> extra) throws Exception {
    return stream(out, topic, extra, Map.of());
  }

  private static Process stream(TempLake out, String topic, List<String> extra, Map<String, String> moreConf) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(List.of(Files.readString(Path.of("target", "launcher", "jvm-flags.txt")).trim().split("\\s+")));
    command.add("-Xmx1g");
    command.add(SHORT_LIVED_JVM);
    extra.stream().filter(a -> a.startsWith("-D")).forEach(command::add);
    command.add("-Dlog4j2.configurationFile=" + Path.of("..", "conf", "log4j2.xml").toAbsolutePath());
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.treeline.jobs.Main", "stream", "--view", VIEW));
    extra.stream().filter(a -> a.startsWith("--")).forEach(command::add);
    Map<String, String> conf = new LinkedHashMap<>(settings(topic));
    conf.put("lake.root", out.root().toString());
    conf.put("spark.master", "local[2]");
    conf.put("spark.shuffle-partitions", "2");
    conf.putAll(moreConf);
    conf.forEach((k, v) -> command.addAll(List.of("--conf", k + "=" + v)));
    return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(out.root().resolve("stream.log").toFile()))
        .start();
  }

  private interface Condition {
    boolean holds() throws IOException;
  }

  private static void waitFor(Condition condition, Process process, Path log) throws Exception {
    long deadline = System.nanoTime() + PROCESS_TIMEOUT.toNanos();
    while (!condition.holds()) {
      if (!process.isAlive() || System.nanoTime() > deadline) {
        process.destroyForcibly();
        throw new AssertionError("the stream " + (process.isAlive() ? "took too long" : "ended") + ":\n" + Files.readString(log));
      }
      Thread.sleep(200);
    }
  }

  private static KafkaProducer<String, String> producer(KafkaBroker kafka) {
    Properties properties = new Properties();
    properties.put("bootstrap.servers", kafka.bootstrapServers());
    return new KafkaProducer<>(properties, new StringSerializer(), new StringSerializer());
  }
}
