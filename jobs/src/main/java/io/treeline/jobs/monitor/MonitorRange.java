package io.treeline.jobs.monitor;

import io.treeline.core.error.Errors;
import java.time.LocalDateTime;
import java.time.temporal.ChronoUnit;

/**
 * The time range a monitor run covers and the length of its periods. Times are the lake's local
 * times (timestamp_ntz), like every event time in the feature store; a bound left out is taken
 * from the logged predictions, rounded out to whole periods.
 */
public record MonitorRange(LocalDateTime since, LocalDateTime until, Granularity granularity) {

  /**
   * How long one period of the figures is: a day, an hour, or the whole range as one period (its
   * start is the range's start) — the way to compare a month of traffic with the training set as a
   * whole, without the day-to-day variation of trailing-window features.
   */
  public enum Granularity {
    DAY(ChronoUnit.DAYS), HOUR(ChronoUnit.HOURS), RANGE(null);

    private final ChronoUnit unit;

    Granularity(ChronoUnit unit) {
      this.unit = unit;
    }

    /** The unit as Spark's date_trunc names it. */
    public String sparkUnit() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }

    LocalDateTime floor(LocalDateTime time) {
      return time.truncatedTo(unit == null ? ChronoUnit.DAYS : unit);
    }

    LocalDateTime next(LocalDateTime periodStart) {
      return periodStart.plus(1, unit == null ? ChronoUnit.DAYS : unit);
    }

    public static Granularity parse(String text) {
      for (Granularity g : values()) {
        if (g.sparkUnit().equalsIgnoreCase(text.trim())) {
          return g;
        }
      }
      throw Errors.invalidInput("monitor", "--granularity", "'" + text + "' is not a granularity", "Pass --granularity day, hour or range.");
    }
  }

  public MonitorRange {
    if (granularity == null) {
      granularity = Granularity.DAY;
    }
    if (since != null && until != null && !since.isBefore(until)) {
      throw Errors.invalidInput("monitor", "the range", "--since " + since + " is not before --until " + until,
          "Pass a --since earlier than --until, e.g. --since 2001-06-01 --until 2001-07-01.");
    }
  }

  /** This range with missing bounds filled from the first and last moment seen, rounded out to whole periods. */
  MonitorRange closedBy(LocalDateTime first, LocalDateTime last) {
    LocalDateTime from = since != null ? since : granularity.floor(first);
    LocalDateTime to = until != null ? until : granularity.next(granularity.floor(last));
    return new MonitorRange(from, to, granularity);
  }

  /** A file-name-safe name of the range, e.g. 2001-01-05_2001-01-08. */
  String slug() {
    return format(since) + "_" + format(until);
  }

  private static String format(LocalDateTime time) {
    return time.toLocalTime().equals(java.time.LocalTime.MIDNIGHT) ? time.toLocalDate().toString()
        : time.toString().replace(':', '-');
  }

  String describe() {
    return (since == null ? "the first" : since.toString()) + " to " + (until == null ? "the last logged prediction" : until.toString());
  }
}
