package io.treeline.serving.inference;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.treeline.core.testing.TempLake;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;
import org.junit.jupiter.api.Test;

/**
 * The inference log writer's cost per row, without the HTTP server: appends records shaped like the
 * flight-delay model's (a 5-field request, 33 inputs of which 26 looked up) through
 * {@link DeltaKernelAppender} into a local lake, single-threaded, and prints CPU time per row of the
 * appending thread, of the whole process (the collector's threads included) and bytes allocated per row.
 * Not part of the suite (its name keeps it out of surefire's default includes); run it with
 * {@code mvn -B -q test -pl serving -am -Dtest=DeltaKernelAppenderBenchmark -Dsurefire.failIfNoSpecifiedTests=false}
 * and optionally {@code -Dbench.rows=50000 -Dbench.batch=5000 -Dbench.rounds=3 -Dbench.jfr=/tmp/append.jfr}.
 *
 * <p>With {@code -Dbench.spool=true} the records are first spooled into files of {@code bench.batch}
 * records (not timed), and what is timed is what a server under sustained load pays for each file:
 * reading it back and committing it, record by record ({@code InferenceLogWriter.commitOldest}).
 */
class DeltaKernelAppenderBenchmark {
  private static final int ROWS = Integer.getInteger("bench.rows", 50_000);
  private static final int BATCH = Integer.getInteger("bench.batch", 5_000);
  private static final int ROUNDS = Integer.getInteger("bench.rounds", 5);
  private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();
  private static final String JFR = System.getProperty("bench.jfr", "");
  private static final boolean SPOOL = Boolean.getBoolean("bench.spool");
  private static final String[] VIEWS = {"origin_departures", "origin_delays", "destination_delays", "route_delays", "origin_airport",
      "destination_airport"};

  @Test
  void prints_the_appenders_cpu_time_per_row() throws Exception {
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    List<InferenceRecord> records = records(ROWS, Instant.parse("2026-12-03T10:00:00Z"));
    System.out.printf("DeltaKernelAppenderBenchmark: %,d rows in batches of %,d%s, %d rounds after one warm-up round, %d cores, load %.2f%n",
        ROWS, BATCH, SPOOL ? " read back from spool files" : "", ROUNDS, os.getAvailableProcessors(), os.getSystemLoadAverage());
    try (TempLake lake = new TempLake()) {
      Recording recording = null;
      for (int round = 0; round <= ROUNDS; round++) {
        if (round == 1 && !JFR.isEmpty()) {
          recording = new Recording(Configuration.getConfiguration("profile"));
          recording.start();
        }
        Path table = lake.root().resolve("log-" + round);
        DeltaKernelAppender appender = new DeltaKernelAppender(table.toString(), new org.apache.hadoop.conf.Configuration());
        appender.append(records.subList(0, 1)); // the table's creation is not the per-row cost
        List<Path> spooled = SPOOL ? spool(records, lake.root().resolve("spool-" + round)) : List.of();
        System.gc();
        long threadCpu = threads.getCurrentThreadCpuTime();
        long processCpu = os.getProcessCpuTime();
        long allocated = threads.getCurrentThreadAllocatedBytes();
        long wall = System.nanoTime();
        if (SPOOL) {
          for (int f = 0; f < spooled.size(); f++) {
            commitSpooled(appender, spooled.get(f), f);
          }
        } else {
          for (int from = 0; from < records.size(); from += BATCH) {
            appender.append(records.subList(from, Math.min(records.size(), from + BATCH)));
          }
        }
        wall = System.nanoTime() - wall;
        threadCpu = threads.getCurrentThreadCpuTime() - threadCpu;
        processCpu = os.getProcessCpuTime() - processCpu;
        allocated = threads.getCurrentThreadAllocatedBytes() - allocated;
        System.out.printf("DeltaKernelAppenderBenchmark: %s %d: thread CPU %.1f µs/row, process CPU %.1f µs/row, allocated %,d B/row,"
            + " wall %.2f s (%.1f µs/row), Parquet %,d B/row%n", round == 0 ? "warm-up" : "round", round, threadCpu / 1e3 / ROWS,
            processCpu / 1e3 / ROWS, allocated / ROWS, wall / 1e9, wall / 1e3 / ROWS, parquetBytes(table) / (ROWS + 1));
      }
      if (recording != null) {
        recording.dump(Path.of(JFR));
        recording.close();
        System.out.println("DeltaKernelAppenderBenchmark: flight recording of the measured rounds in " + JFR);
      }
      Path last = lake.root().resolve("log-" + ROUNDS + "/_delta_log");
      assertThat(last.resolve(String.format("%020d.json", ROWS / BATCH + (ROWS % BATCH == 0 ? 0 : 1)))).exists();
    }
  }

  /** The records in spool files of {@link #BATCH} each, as the server's writer leaves them. */
  private static List<Path> spool(List<InferenceRecord> records, Path directory) throws IOException {
    Files.createDirectories(directory);
    List<Path> files = new ArrayList<>();
    for (int from = 0; from < records.size(); from += BATCH) {
      Path file = directory.resolve(files.size() + ".spool");
      try (SpoolSegment.Writer writer = new SpoolSegment.Writer(file)) {
        for (InferenceRecord record : records.subList(from, Math.min(records.size(), from + BATCH))) {
          writer.append(record);
        }
      }
      files.add(file);
    }
    return files;
  }

  /** One spool file read back and committed record by record, as the server's writer commits it. */
  private static void commitSpooled(DeltaKernelAppender appender, Path file, long number) throws Exception {
    try (SpoolSegment.Reader reader = new SpoolSegment.Reader(file)) {
      InferenceAppender.Batch batch = appender.open("bench", number);
      for (InferenceRecord record = reader.next(); record != null; record = reader.next()) {
        batch.add(record);
      }
      batch.commit();
    }
  }

  private static long parquetBytes(Path table) throws IOException {
    try (Stream<Path> files = Files.walk(table)) {
      return files.filter(f -> f.toString().endsWith(".parquet") && !f.toString().contains("_delta_log")).mapToLong(f -> f.toFile().length()).sum();
    }
  }

  /** The record as the streaming `/v1` read keeps it: its bytes in the body received. */
  private static RequestRecord received(Map<String, JsonNode> request) {
    try {
      byte[] body = ("{\"records\": [" + JSON.writeValueAsString(request) + "]}").getBytes(java.nio.charset.StandardCharsets.UTF_8);
      return RequestRecord.received(body, 13, body.length - 2);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** Records as Scoring builds them for a flight-delay request. */
  private static List<InferenceRecord> records(int count, Instant start) {
    List<InferenceRecord> records = new ArrayList<>(count);
    String[] airports = {"SFO", "LAX", "ORD", "ATL", "DFW", "DEN", "JFK", "SEA"};
    for (int i = 0; i < count; i++) {
      Instant at = start.plusMillis(i);
      String origin = airports[i % airports.length];
      String destination = airports[(i / 7 + 3) % airports.length];
      double distance = 200 + i % 2_000;
      Map<String, JsonNode> request = new LinkedHashMap<>();
      request.put("id", TextNode.valueOf("flight-" + i));
      request.put("origin", TextNode.valueOf(origin));
      request.put("destination", TextNode.valueOf(destination));
      request.put("distance", DoubleNode.valueOf(distance));
      request.put("departure", TextNode.valueOf("2001-06-" + (10 + i % 20) + "T" + (10 + i % 12) + ":15:00"));
      List<InferenceRecord.Feature> features = new ArrayList<>(33);
      features.add(new InferenceRecord.Feature("origin", null, "request", null, origin, null));
      features.add(new InferenceRecord.Feature("destination", null, "request", null, destination, null));
      features.add(new InferenceRecord.Feature("distance", null, "request", distance, null, null));
      for (String derived : new String[] {"departure_hour", "day_of_week", "month", "day_of_month"}) {
        features.add(new InferenceRecord.Feature(derived, null, "derived", (double) (i % 24), null, null));
      }
      Instant featureTime = at.minus(37, ChronoUnit.MINUTES);
      for (int f = 0; f < 26; f++) {
        String view = VIEWS[f % VIEWS.length];
        boolean missing = (i + f) % 50 == 0;
        features.add(new InferenceRecord.Feature(view + "__feature_" + f, view, missing ? "missing" : "online_store",
            missing ? null : (i * 31 + f) % 1000 / 7.0, null, missing ? null : featureTime));
      }
      records.add(new InferenceRecord("req-" + i, 0, ChronoUnit.MICROS.between(Instant.EPOCH, at), InferenceRecord.ONLINE,
          "/v1/models/{name}/predict", "flight-delay", "flight-delay", 1, "0123456789abcdef0123456789abcdef", received(request), features, i % 2,
          (i % 100) / 100.0, 0.2 + (i % 10) / 10.0, "host:1234", "champion"));
    }
    return records;
  }
}
