package io.treeline.serving.request;

import com.fasterxml.jackson.databind.JsonNode;
import io.treeline.serving.api.ApiException;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.format.DateTimeParseException;

/** A field a prediction request may carry: its name, type and slot among a record's values. */
public record RequestField(String name, FieldType type, int slot) {

  /**
   * Converts one JSON value (or, with {@code text}, a CSV cell) to the field's Java value; refuses
   * null, NaN, infinities and mistyped values with a message naming {@code where}.
   */
  public Object convert(JsonNode value, String where, boolean text) {
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
      throw ApiException.invalidField(where + " is " + value.asText() + ": send a finite number, or leave the field out where it is optional");
    }
    return number;
  }

  /** The lake's timestamps carry no zone (timestamp_ntz), so neither may a request's. */
  static LocalDateTime timestamp(String text, String where) {
    String trimmed = text.trim().replace(' ', 'T');
    try {
      return trimmed.contains("T") ? LocalDateTime.parse(trimmed) : LocalDate.parse(trimmed).atStartOfDay();
    } catch (DateTimeParseException e) {
      throw ApiException.invalidField(where + " is '" + text + "', which is not a local date-time: send e.g. \"2001-06-15T08:30:00\""
          + " (no time zone: the model was trained on local times)");
    }
  }

  private ApiException mistyped(String where, JsonNode value) {
    String got = value.isTextual() ? "the string \"" + abbreviate(value.asText()) + "\"" : value.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
    return ApiException.invalidField(where + " must be " + type.description() + ", got " + got);
  }

  private static String abbreviate(String text) {
    return text.length() > 40 ? text.substring(0, 40) + "…" : text;
  }
}
