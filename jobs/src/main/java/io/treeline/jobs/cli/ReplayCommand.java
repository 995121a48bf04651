package io.treeline.jobs.cli;

import io.treeline.jobs.stream.EventRange;
import io.treeline.jobs.stream.Pacing;
import io.treeline.jobs.stream.ReplayEvents;
import io.treeline.jobs.stream.ReplayTarget;
import java.time.LocalDateTime;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "replay",
    mixinStandardHelpOptions = true,
    description = {
      "Replay the flights of raw.flights as a stream of events, in event-time order (departure_time, then flight_id), for demos, tests "
          + "and benchmarks of streaming features.",
      "",
      "Each event is one JSON object, the row as Spark's to_json writes it, which the stream reads back with the table's schema: "
          + "{\"flight_id\":\"200101010002-ATL-MCO-1\",\"departure_time\":\"2001-01-01T00:02:00.000\",\"departure_date\":\"2001-01-01\","
          + "\"origin\":\"ATL\",\"destination\":\"MCO\",\"distance\":403,\"arrival_delay\":-8}.",
      "",
      "To Kafka (the default): one record per event, keyed by origin (so each airport's events stay in order in one partition), "
          + "to --topic at stream.kafka.bootstrap-servers with stream.kafka.security-* (passwords from TREELINE_STREAM_KAFKA_*_PASSWORD); "
          + "the producer is idempotent with acks=all. With --to-dir: JSON lines in files events-000001.json, … of --events-per-file events, "
          + "each written under a hidden name and renamed when complete, for the stream's file source (stream.files.dir); local paths or s3a://.",
      "",
      "Pacing: --rate N sends N events per wall-clock second, evenly; --speedup X keeps the gaps between departures, divided by X "
          + "(3600 plays an hour a second); neither sends as fast as possible."
    })
final class ReplayCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--topic", paramLabel = "TOPIC", description = "Kafka topic to send to (default: stream.kafka.topic, flights).")
  String topic;

  @Option(names = "--to-dir", paramLabel = "DIR", description = "Write event files into DIR instead of sending to Kafka (e.g. lake/events/flights).")
  String toDir;

  @Option(names = "--events-per-file", paramLabel = "N", description = "Events per file with --to-dir (default: 10000); a file appears when full.")
  Integer eventsPerFile;

  @Option(names = "--from", paramLabel = "TIME", converter = TimeConverter.class, description = "First departure time to replay (inclusive), e.g. 2001-03-01.")
  LocalDateTime from;

  @Option(names = "--until", paramLabel = "TIME", converter = TimeConverter.class, description = "End of the departure times to replay (exclusive).")
  LocalDateTime until;

  @Option(names = "--limit", paramLabel = "N", description = "Replay only the first N events of the range.")
  Long limit;

  @Option(names = "--rate", paramLabel = "EVENTS_PER_SECOND", description = "Send this many events per second of wall-clock time.")
  Double rate;

  @Option(names = "--speedup", paramLabel = "X", description = "Play event time X times faster than real time, e.g. 3600 (not with --rate).")
  Double speedup;

  @Override
  public Integer call() {
    return CommandRunner.run(spec, config -> new ReplayEvents(
        new EventRange(Optional.ofNullable(from), Optional.ofNullable(until), Optional.ofNullable(limit)),
        ReplayTarget.of(topic, toDir, eventsPerFile),
        Pacing.of(rate, speedup)));
  }
}
