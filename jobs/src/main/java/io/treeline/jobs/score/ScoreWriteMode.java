package io.treeline.jobs.score;

import io.treeline.core.error.Errors;
import java.util.Locale;

/**
 * How a scoring run meets what its output table already holds: {@code overwrite} replaces the
 * table, {@code append} adds the run's rows, {@code replace-where=COND} replaces exactly the rows
 * matching COND in one Delta commit — so a nightly rerun of one day replaces that day and nothing
 * else, and refuses to write a row outside it.
 */
public record ScoreWriteMode(Kind kind, String condition) {
  public enum Kind { OVERWRITE, APPEND, REPLACE_WHERE }

  public static ScoreWriteMode parse(String text) {
    String value = text == null ? "overwrite" : text.trim();
    String lower = value.toLowerCase(Locale.ROOT);
    if (lower.equals("overwrite")) {
      return new ScoreWriteMode(Kind.OVERWRITE, null);
    }
    if (lower.equals("append")) {
      return new ScoreWriteMode(Kind.APPEND, null);
    }
    if (lower.startsWith("replace-where=")) {
      String condition = value.substring("replace-where=".length()).trim();
      if (!condition.isEmpty()) {
        return new ScoreWriteMode(Kind.REPLACE_WHERE, condition);
      }
      throw Errors.invalidInput("read", "--mode", "replace-where needs a condition",
          "Write e.g. --mode \"replace-where=departure_date = '2001-06-30'\".");
    }
    throw Errors.invalidInput("read", "--mode", "'" + value + "' is not a write mode",
        "Use overwrite, append or replace-where=CONDITION.");
  }

  @Override
  public String toString() {
    return kind == Kind.REPLACE_WHERE ? "replace-where=" + condition : kind.name().toLowerCase(Locale.ROOT);
  }
}
