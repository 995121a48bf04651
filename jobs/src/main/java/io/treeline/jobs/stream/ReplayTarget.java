package io.treeline.jobs.stream;

import io.treeline.core.error.Errors;
import java.util.Optional;

/** Where a replay sends its events: a Kafka topic (default stream.kafka.topic), or files in a directory. */
public record ReplayTarget(Optional<String> topic, Optional<String> dir, int eventsPerFile) {
  public static final int DEFAULT_EVENTS_PER_FILE = 10_000;

  public static ReplayTarget kafka(Optional<String> topic) {
    return new ReplayTarget(topic, Optional.empty(), DEFAULT_EVENTS_PER_FILE);
  }

  public static ReplayTarget files(String dir, int eventsPerFile) {
    return of(null, dir, eventsPerFile);
  }

  /** From the command's --topic, --to-dir and --events-per-file, each of which may be null. */
  public static ReplayTarget of(String topic, String dir, Integer eventsPerFile) {
    if (topic != null && topic.isBlank()) {
      throw Errors.invalidInput("replay", "to --topic", "the topic name is empty", "Pass --topic NAME, e.g. --topic flights.");
    }
    if (dir == null) {
      if (eventsPerFile != null) {
        throw Errors.invalidInput("replay", "to Kafka", "--events-per-file applies only with --to-dir", "Drop --events-per-file, or add --to-dir DIR.");
      }
      return kafka(Optional.ofNullable(topic));
    }
    if (topic != null) {
      throw Errors.invalidInput("replay", "to " + dir, "--topic and --to-dir are both given",
          "Pass --topic to send to Kafka, or --to-dir to write files, not both.");
    }
    if (dir.isBlank()) {
      throw Errors.invalidInput("replay", "to --to-dir", "the directory is empty", "Pass --to-dir DIR, e.g. --to-dir lake/events/flights.");
    }
    int perFile = eventsPerFile == null ? DEFAULT_EVENTS_PER_FILE : eventsPerFile;
    if (perFile <= 0) {
      throw Errors.invalidInput("replay", "to " + dir, "--events-per-file must be positive, got " + perFile, "Pass --events-per-file N with N ≥ 1.");
    }
    return new ReplayTarget(Optional.empty(), Optional.of(dir), perFile);
  }

  public boolean kafka() {
    return dir.isEmpty();
  }
}
