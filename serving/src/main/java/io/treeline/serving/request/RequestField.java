package io.treeline.serving.request;

import com.fasterxml.jackson.databind.JsonNode;
import io.treeline.serving.api.ApiException;
import io.treeline.serving.api.Quoted;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.format.DateTimeParseException;

/** A field a prediction request may carry: its name, type and slot among a record's values. */
public record RequestField(String name, FieldType type, int slot) {
  /** A value the client sent as missing (null, NaN): the model imputes it, and nothing is looked up for it. */
  public static final Object MISSING = new Object() {
    @Override
    public String toString() {
      return "missing";
    }
  };

  /**
   * Converts one JSON value (or, with {@code text}, a CSV cell) to the field's Java value; refuses
   * null, NaN, infinities and mistyped values with a message naming {@code where}.
   */
  public Object convert(JsonNode value, String where, RecordFormat format) {
    boolean text = format.text();
    if (format.nullIsMissing() && (value == null || value.isNull() || isNaN(value, text))) {
      return MISSING;
    }
    if (value == null || value.isNull() || value.isMissingNode()) {
      throw ApiException.invalidField(where + " is null: send " + type.description() + ", or leave the field out where it is optional");
    }
    return switch (type) {
      case NUMBER -> number(value, where, text);
      case STRING -> {
        if (!value.isTextual() && !(text && value.isValueNode())) {
          throw mistyped(where, value);
        }
        yield value.asText();
      }
      case TIMESTAMP -> {
        if (!value.isTextual()) {
          throw mistyped(where, value);
        }
        yield timestamp(value.asText(), where);
      }
    };
  }

  private boolean isNaN(JsonNode value, boolean text) {
    if (type != FieldType.NUMBER) {
      return false;
    }
    if (value.isNumber()) {
      return Double.isNaN(value.asDouble());
    }
    return text && value.isTextual() && value.asText().trim().equalsIgnoreCase("nan");
  }

  private double number(JsonNode value, String where, boolean text) {
    double number;
    if (value.isNumber()) {
      number = value.asDouble();
    } else if (text && value.isTextual()) {
      try {
        number = Double.parseDouble(value.asText().trim());
      } catch (NumberFormatException e) {
        throw mistyped(where, value);
      }
    } else {
      throw mistyped(where, value);
    }
    if (!Double.isFinite(number)) {
      throw ApiException.invalidField(where + " is " + Quoted.cut(value.asText()) + ": send a finite number, or leave the field out where it is optional");
    }
    return number;
  }

  /** The lake's timestamps carry no zone (timestamp_ntz), so neither may a request's. */
  static LocalDateTime timestamp(String text, String where) {
    for (int i = 0; i < text.length(); i++) {
      if (Character.isISOControl(text.charAt(i))) {
        throw ApiException.invalidField(where + " holds a control character (at " + i + "): send a local date-time such as \"2001-06-15T08:30:00\"");
      }
    }
    String trimmed = text.trim().replace(' ', 'T');
    LocalDateTime plain = plainDateTime(trimmed);
    if (plain != null) {
      return plain;
    }
    try {
      return trimmed.contains("T") ? LocalDateTime.parse(trimmed) : LocalDate.parse(trimmed).atStartOfDay();
    } catch (DateTimeParseException e) {
      throw ApiException.invalidField(where + " is '" + Quoted.cut(text) + "', which is not a local date-time: send e.g. \"2001-06-15T08:30:00\""
          + " (no time zone: the model was trained on local times)");
    }
  }

  /**
   * The usual form, 2001-06-15T08:30:00, read without the ISO parser, which allocates a kilobyte per
   * value; null for any other form, or an invalid date or time, which the parser then reads or refuses.
   */
  private static LocalDateTime plainDateTime(String text) {
    if (text.length() != 19 || text.charAt(4) != '-' || text.charAt(7) != '-' || text.charAt(10) != 'T' || text.charAt(13) != ':'
        || text.charAt(16) != ':') {
      return null;
    }
    int year = digits(text, 0, 4);
    int month = digits(text, 5, 2);
    int day = digits(text, 8, 2);
    int hour = digits(text, 11, 2);
    int minute = digits(text, 14, 2);
    int second = digits(text, 17, 2);
    if ((year | month | day | hour | minute | second) < 0) {
      return null;
    }
    try {
      return LocalDateTime.of(year, month, day, hour, minute, second);
    } catch (java.time.DateTimeException e) {
      return null;
    }
  }

  /** The number the {@code count} ASCII digits from {@code at} write, or -1 when one is not a digit. */
  private static int digits(String text, int at, int count) {
    int value = 0;
    for (int i = at; i < at + count; i++) {
      char c = text.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      value = value * 10 + (c - '0');
    }
    return value;
  }

  private ApiException mistyped(String where, JsonNode value) {
    String got = value.isTextual() ? "the string \"" + Quoted.cut(value.asText()) + "\"" : value.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
    return ApiException.invalidField(where + " must be " + type.description() + ", got " + got);
  }
}
