package io.treeline.jobs.stream;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import io.treeline.core.error.Errors;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/** Which events a replay sends: departures from {@code from} (inclusive) until {@code until} (exclusive), the first {@code limit}. */
public record EventRange(Optional<LocalDateTime> from, Optional<LocalDateTime> until, Optional<Long> limit) {
  public EventRange {
    if (from.isPresent() && until.isPresent() && !from.get().isBefore(until.get())) {
      throw Errors.invalidInput("replay", "the range", "--from " + from.get() + " is not before --until " + until.get(),
          "Pass a --from earlier than --until (--until is exclusive).");
    }
    if (limit.isPresent() && limit.get() <= 0) {
      throw Errors.invalidInput("replay", "the range", "--limit must be positive, got " + limit.get(), "Pass --limit N with N ≥ 1.");
    }
  }

  public static EventRange all() {
    return new EventRange(Optional.empty(), Optional.empty(), Optional.empty());
  }

  /** Filters on the event time; the limit is applied while sending (see ReplayEvents). */
  Dataset<Row> applyTo(Dataset<Row> events, String timeColumn) {
    Dataset<Row> selected = events;
    if (from.isPresent()) {
      selected = selected.where(col(timeColumn).geq(lit(from.get())));
    }
    if (until.isPresent()) {
      selected = selected.where(col(timeColumn).lt(lit(until.get())));
    }
    return selected;
  }

  long maxEvents() {
    return limit.orElse(Long.MAX_VALUE);
  }

  String describe() {
    List<String> parts = new ArrayList<>();
    from.ifPresent(t -> parts.add("from " + t));
    until.ifPresent(t -> parts.add("until " + t));
    limit.ifPresent(n -> parts.add(String.format("first %,d", n)));
    return parts.isEmpty() ? "all events" : String.join(", ", parts);
  }
}
