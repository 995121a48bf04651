package io.treeline.core.lake;

import io.treeline.core.error.Errors;
import java.util.regex.Pattern;

/** A lake table's two-part name, {@code namespace.table}, as used in SQL: {@code raw.flights}. */
public record TableName(String namespace, String table) {
  private static final Pattern PART = Pattern.compile("[a-z][a-z0-9_]*");

  public TableName {
    if (!PART.matcher(namespace).matches() || !PART.matcher(table).matches()) {
      throw Errors.invalidInput("use", "table name '" + namespace + "." + table + "'",
          "each part must be lower-case letters, digits and underscores, starting with a letter",
          "Name it like raw.flights or features.origin_airport.");
    }
  }

  public static TableName parse(String qualified) {
    int dot = qualified.indexOf('.');
    if (dot <= 0 || dot != qualified.lastIndexOf('.')) {
      throw Errors.invalidInput("use", "table name '" + qualified + "'", "expected namespace.table",
          "Name it like raw.flights.");
    }
    return new TableName(qualified.substring(0, dot), qualified.substring(dot + 1));
  }

  @Override
  public String toString() {
    return namespace + "." + table;
  }
}
