package io.treeline.jobs.stream;

import static io.treeline.jobs.JobsTestSupport.cli;
import static io.treeline.jobs.JobsTestSupport.runJob;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.treeline.core.config.TreelineConfig;
import io.treeline.core.error.InvalidInputException;
import io.treeline.core.error.JobFailedException;
import io.treeline.core.testing.TempLake;
import io.treeline.core.testing.TestSpark;
import io.treeline.featurestore.stream.KafkaBroker;
import io.treeline.jobs.JobsTestSupport.CliRun;
import io.treeline.jobs.data.LoadData;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReplayEventsTest {
  private static final LocalDateTime JAN_3 = LocalDateTime.parse("2001-01-03T00:00");
  private static final LocalDateTime JAN_5 = LocalDateTime.parse("2001-01-05T00:00");

  private static final ObjectMapper JSON = new ObjectMapper();

  private static TempLake lake;
  private static KafkaBroker kafka;

  @TempDir Path dir;

  @BeforeAll
  static void loadFlightsAndStartKafka() throws Exception {
    lake = StreamFixture.lake();
    kafka = KafkaBroker.start();
  }

  // Not by a shutdown hook: see StreamKafkaTest.stopKafka.
  @AfterAll
  static void stopKafka() {
    kafka.close();
  }

  private static Dataset<Row> flights() {
    return TestSpark.table(lake.layout().table(LoadData.FLIGHTS));
  }

  private static Dataset<Row> flightsBetween(LocalDateTime from, LocalDateTime until) {
    return flights().where(col("departure_time").geq(lit(from)).and(col("departure_time").lt(lit(until))));
  }

  /** Events parsed back the way a stream reads them: with the table's schema. */
  private static Dataset<Row> parse(List<String> events) {
    StructType schema = flights().schema();
    return TestSpark.session().read().schema(schema).json(TestSpark.session().createDataset(events, Encoders.STRING()));
  }

  private static TreelineConfig kafkaConfig() {
    return lake.config(Map.of("stream.kafka.bootstrap-servers", kafka.bootstrapServers()));
  }

  private static ReplayEvents replay(EventRange range, ReplayTarget target) {
    return new ReplayEvents(range, target, Pacing.asFastAsPossible());
  }

  @Test
  void sends_every_event_of_the_range_keyed_by_origin_in_event_time_order() throws Exception {
    kafka.createTopic("flights-range", 3);

    ReplayEvents.Result result = runJob(replay(new EventRange(Optional.of(JAN_3), Optional.of(JAN_5), Optional.empty()),
        ReplayTarget.kafka(Optional.of("flights-range"))), kafkaConfig()).result();
    List<ConsumerRecord<String, String>> records = kafka.readAll("flights-range", Duration.ofSeconds(60));

    List<Row> expected = flightsBetween(JAN_3, JAN_5).orderBy("flight_id").collectAsList();
    assertThat(records).hasSize(expected.size());
    assertThat(result.events()).isEqualTo(expected.size());
    assertThat(result.target()).isEqualTo("kafka topic flights-range at " + kafka.bootstrapServers());
    assertThat(result.firstEventTime()).isAfterOrEqualTo(JAN_3);
    assertThat(result.lastEventTime()).isBefore(JAN_5);
    assertThat(result.files()).isEqualTo(-1);
    assertThat(result.summaryLine()).startsWith(String.format("Replayed %,d events (", expected.size()))
        .contains(" to kafka topic flights-range at " + kafka.bootstrapServers() + " in ");

    List<String> values = records.stream().map(ConsumerRecord::value).toList();
    assertThat(values.get(0)).matches("\\{\"flight_id\":\"2001010[34]\\d{4}-[A-Z]{3}-[A-Z]{3}-\\d+\",\"departure_time\":\"2001-01-0[34]T\\d\\d:\\d\\d:00\\.000\","
        + "\"departure_date\":\"2001-01-0[34]\",\"origin\":\"[A-Z]{3}\",\"destination\":\"[A-Z]{3}\",\"distance\":\\d+,\"arrival_delay\":-?\\d+}");
    Dataset<Row> parsed = parse(values);
    assertThat(parsed.orderBy("flight_id").collectAsList()).isEqualTo(expected);

    // Each partition, hence each origin, holds its events in (departure_time, flight_id) order.
    Map<Integer, List<JsonNode>> byPartition = new LinkedHashMap<>();
    for (ConsumerRecord<String, String> record : records) {
      JsonNode event = JSON.readTree(record.value());
      assertThat(record.key()).isEqualTo(event.get("origin").asText());
      byPartition.computeIfAbsent(record.partition(), p -> new ArrayList<>()).add(event);
    }
    assertThat(byPartition).hasSizeGreaterThan(1);
    // The times are ISO text of one width, so their text order is their time order.
    Comparator<JsonNode> eventTimeOrder = Comparator.<JsonNode, String>comparing(e -> e.get("departure_time").asText())
        .thenComparing(e -> e.get("flight_id").asText());
    byPartition.values().forEach(events -> assertThat(events).isSortedAccordingTo(eventTimeOrder));
  }

  @Test
  void a_limit_sends_the_first_events_of_the_range_in_order() {
    List<String> expected = flights().where(col("departure_time").geq(lit(JAN_3))).orderBy("departure_time", "flight_id").limit(250)
        .select("flight_id").as(Encoders.STRING()).collectAsList();

    runJob(replay(new EventRange(Optional.of(JAN_3), Optional.empty(), Optional.of(250L)), ReplayTarget.kafka(Optional.of("flights-limit"))),
        kafkaConfig());

    List<String> values = kafka.readAll("flights-limit", Duration.ofSeconds(60)).stream().map(ConsumerRecord::value).toList();
    assertThat(parse(values).select("flight_id").as(Encoders.STRING()).collectAsList()).isEqualTo(expected);
  }

  @Test
  void writes_the_same_events_as_ordered_files_without_leaving_temporary_ones() throws IOException {
    Path events = dir.resolve("events");

    ReplayEvents.Result result = runJob(replay(new EventRange(Optional.of(JAN_3), Optional.of(JAN_5), Optional.empty()),
        ReplayTarget.files(events.toString(), 1000)), lake.config()).result();

    Dataset<Row> expected = flightsBetween(JAN_3, JAN_5);
    long count = expected.count();
    List<String> names = fileNames(events);
    assertThat(result.events()).isEqualTo(count);
    assertThat(result.files()).isEqualTo((int) ((count + 999) / 1000));
    assertThat(names).hasSize(result.files()).allMatch(n -> n.matches("events-\\d{6}\\.json"));
    assertThat(names.get(0)).isEqualTo("events-000001.json");
    List<String> lines = new ArrayList<>();
    for (String name : names) {
      List<String> fileLines = Files.readAllLines(events.resolve(name));
      assertThat(fileLines.size()).isLessThanOrEqualTo(1000);
      lines.addAll(fileLines);
    }
    List<String> inOrder = expected.orderBy("departure_time", "flight_id").select("flight_id").as(Encoders.STRING()).collectAsList();
    assertThat(parse(lines).select("flight_id").as(Encoders.STRING()).collectAsList()).isEqualTo(inOrder);
    Dataset<Row> read = TestSpark.session().read().schema(flights().schema()).json(events.toString());
    assertThat(read.orderBy("flight_id").collectAsList()).isEqualTo(expected.orderBy("flight_id").collectAsList());
  }

  @Test
  void a_second_replay_into_the_same_directory_continues_the_numbering() throws IOException {
    Path events = dir.resolve("events");
    EventRange first100 = new EventRange(Optional.empty(), Optional.empty(), Optional.of(100L));

    runJob(replay(first100, ReplayTarget.files(events.toString(), 60)), lake.config());
    runJob(replay(first100, ReplayTarget.files(events.toString(), 60)), lake.config());

    assertThat(fileNames(events)).containsExactly("events-000001.json", "events-000002.json", "events-000003.json", "events-000004.json");
    assertThat(Files.readAllLines(events.resolve("events-000003.json"))).isEqualTo(Files.readAllLines(events.resolve("events-000001.json")));
  }

  @Test
  void a_rate_paces_the_events_over_wall_clock_time() {
    ReplayEvents.Result result = runJob(new ReplayEvents(new EventRange(Optional.empty(), Optional.empty(), Optional.of(600L)),
        ReplayTarget.files(dir.resolve("paced").toString(), 10_000), Pacing.of(2000.0, null)), lake.config()).result();

    // The last of 600 events at 2,000 a second is due 599/2000 s after the first.
    assertThat(result.seconds()).isBetween(0.2995, 3.0);
    assertThat(result.eventsPerSecond()).isBetween(200.0, 2010.0);
  }

  @Test
  void a_speedup_plays_event_time_faster() {
    LocalDateTime from = LocalDateTime.parse("2001-01-03T06:00");

    ReplayEvents.Result result = runJob(new ReplayEvents(new EventRange(Optional.of(from), Optional.of(from.plusHours(2)), Optional.empty()),
        ReplayTarget.files(dir.resolve("sped-up").toString(), 10_000), Pacing.of(null, 14_400.0)), lake.config()).result();

    double span = Duration.between(result.firstEventTime(), result.lastEventTime()).toNanos() / 1e9 / 14_400;
    assertThat(span).isGreaterThan(0.3);
    assertThat(result.seconds()).isBetween(span, span + 3);
  }

  @Test
  void rate_and_speedup_together_are_a_usage_error() {
    CliRun run = cli("replay", "--rate", "100", "--speedup", "3600", "--to-dir", dir.toString(), "--conf", "lake.root=" + lake.root());

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("Cannot pace the replay: --rate and --speedup are both given", "Pass one: --rate N");
  }

  @Test
  void without_kafka_brokers_or_a_directory_it_says_what_to_set() {
    assertThatThrownBy(() -> runJob(replay(EventRange.all(), ReplayTarget.kafka(Optional.empty())),
        lake.config(Map.of("stream.kafka.bootstrap-servers", ""))))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("Cannot replay raw.flights: no Kafka brokers are set (stream.kafka.bootstrap-servers is empty)")
        .satisfies(e -> assertThat(((InvalidInputException) e).remedy())
            .isEqualTo("Set --conf stream.kafka.bootstrap-servers=HOST:PORT, or write event files with --to-dir DIR."));

    CliRun run = cli("replay", "--topic", "flights", "--conf", "lake.root=" + lake.root(), "--conf", "stream.kafka.bootstrap-servers=");
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("stream.kafka.bootstrap-servers=HOST:PORT", "--to-dir");
  }

  @Test
  void unreachable_brokers_fail_quickly_naming_the_servers_but_not_the_password() throws IOException {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    TreelineConfig config = lake.config(Map.of(
        "stream.kafka.bootstrap-servers", "127.0.0.1:" + port,
        "stream.kafka.security-protocol", "SASL_PLAINTEXT",
        "stream.kafka.sasl-username", "replayer",
        "stream.kafka.sasl-password", "never-print-me"));
    long start = System.nanoTime();

    assertThatThrownBy(() -> runJob(new ReplayEvents(EventRange.all(), ReplayTarget.kafka(Optional.empty()), Pacing.asFastAsPossible(),
        Duration.ofSeconds(2)), config))
        .isInstanceOf(JobFailedException.class)
        .hasMessageStartingWith("Cannot send events to kafka topic flights at 127.0.0.1:" + port + ": no broker answered with the topic's partitions within 2 s")
        .satisfies(e -> assertThat(((JobFailedException) e).describe()).doesNotContain("never-print-me")
            .contains("Check that the brokers 127.0.0.1:" + port + " are reachable"));
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));
  }

  @Test
  void help_describes_the_events_both_targets_and_pacing() {
    CliRun help = cli("replay", "--help");

    assertThat(help.exitCode()).isZero();
    assertThat(help.out()).contains("Usage: treeline replay", "\"departure_time\":\"2001-01-01T00:02:00.000\"", "keyed by origin", "--to-dir=DIR",
        "--events-per-file=N", "--rate=EVENTS_PER_SECOND", "--speedup=X", "--from=TIME", "--until=TIME", "--limit=N", "--topic=TOPIC");
  }

  private static List<String> fileNames(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}
