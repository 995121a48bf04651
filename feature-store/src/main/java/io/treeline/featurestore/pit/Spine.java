package io.treeline.featurestore.pit;

import io.treeline.core.error.Errors;
import java.util.Locale;

/**
 * The labelled events a training set is built on: a lake table ({@code raw.flights}) or a SQL
 * query over lake tables, with the column holding each row's event time — the prediction moment.
 */
public record Spine(String tableOrSql, String eventTime) {
  public Spine {
    if (tableOrSql == null || tableOrSql.isBlank()) {
      throw Errors.invalidInput("read", "--spine", "it is empty", "Give a table (raw.flights) or a SELECT query.");
    }
  }

  public boolean isQuery() {
    String head = tableOrSql.trim().toLowerCase(Locale.ROOT);
    return head.startsWith("select") || head.startsWith("with") || head.startsWith("(");
  }
}
