package io.treeline.serving.request;

/** The type of a request field: what JSON (or CSV text) it accepts and what Java value it becomes. */
public enum FieldType {
  /** A JSON number, finite; becomes a Double. */
  NUMBER("a number"),
  /** A JSON string; becomes a String. */
  STRING("a string"),
  /** A local date-time string such as 2001-06-15T08:30:00 (the lake's timestamp_ntz); becomes a LocalDateTime. */
  TIMESTAMP("a local date-time such as 2001-06-15T08:30:00");

  private final String description;

  FieldType(String description) {
    this.description = description;
  }

  public String description() {
    return description;
  }
}
