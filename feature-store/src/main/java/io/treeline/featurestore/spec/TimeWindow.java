package io.treeline.featurestore.spec;

import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A duration written as a number and a unit: 30s, 15m, 1h, 24h, 7d, 2w. Used for windows and ttl. */
public record TimeWindow(String text, Duration duration) {
  private static final Pattern FORMAT = Pattern.compile("(\\d{1,6})([smhdw])");

  public static Optional<TimeWindow> parse(String text) {
    Matcher m = FORMAT.matcher(text.trim());
    if (!m.matches() || Long.parseLong(m.group(1)) == 0) {
      return Optional.empty();
    }
    long n = Long.parseLong(m.group(1));
    Duration duration = switch (m.group(2)) {
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      case "d" -> Duration.ofDays(n);
      default -> Duration.ofDays(7 * n);
    };
    return Optional.of(new TimeWindow(text.trim(), duration));
  }

  public long micros() {
    return duration.toNanos() / 1000;
  }

  @Override
  public String toString() {
    return text;
  }
}
