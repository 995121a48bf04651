package io.treeline.jobs.logging;

import java.util.Locale;

/** How the log on stderr is written: lines for people, or one JSON object a line for log collectors. */
public enum LogFormat {
  TEXT,
  JSON;

  /** Parses text or json in any case; null when {@code value} is neither. */
  public static LogFormat parse(String value) {
    if (value == null) {
      return null;
    }
    return switch (value.trim().toLowerCase(Locale.ROOT)) {
      case "text" -> TEXT;
      case "json" -> JSON;
      default -> null;
    };
  }
}
