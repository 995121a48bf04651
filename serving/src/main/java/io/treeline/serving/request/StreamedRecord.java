package io.treeline.serving.request;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.treeline.serving.api.ApiException;
import java.io.IOException;

/**
 * Reads one JSON record from a streaming parser straight into a plan's values, with no tree and no
 * map between: the ordinary record of a {@link RecordFormat#JSON} request, whose fields are known,
 * each sent once and of its type, every required one present. At anything else it gives up without
 * saying why, and the caller reads the body again as a tree with {@link RequestPlan#read}: refusals
 * keep their words, and there is one place that decides them.
 */
public final class StreamedRecord {
  private StreamedRecord() {}

  /**
   * Reads the object the parser is at (its START_OBJECT read) into {@code values}, which must be
   * empty and {@link RequestPlan#width()} long; false when the tree path must judge the record.
   */
  public static boolean read(RequestPlan plan, JsonParser parser, Object[] values) throws IOException {
    for (JsonToken token = parser.nextToken(); token != JsonToken.END_OBJECT; token = parser.nextToken()) {
      if (token != JsonToken.FIELD_NAME) {
        return false;
      }
      RequestField field = plan.field(parser.currentName());
      if (field == null || values[field.slot()] != null) {
        return false;
      }
      Object value = value(field.type(), parser.nextToken(), parser);
      if (value == null) {
        return false;
      }
      values[field.slot()] = value;
    }
    return plan.missing(values, "") == null;
  }

  /** The value as {@link RequestField#convert} makes it from a JSON value, or null where that refuses or might. */
  private static Object value(FieldType type, JsonToken token, JsonParser parser) throws IOException {
    return switch (type) {
      case NUMBER -> {
        if (token != JsonToken.VALUE_NUMBER_INT && token != JsonToken.VALUE_NUMBER_FLOAT) {
          yield null;
        }
        if (token == JsonToken.VALUE_NUMBER_INT && parser.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
          yield null; // past a long, the tree's BigInteger decides the double: rare enough to leave to it
        }
        double number = parser.getDoubleValue();
        yield Double.isFinite(number) ? number : null;
      }
      case STRING -> token == JsonToken.VALUE_STRING ? parser.getText() : null;
      case TIMESTAMP -> {
        if (token != JsonToken.VALUE_STRING) {
          yield null;
        }
        try {
          yield RequestField.timestamp(parser.getText(), "");
        } catch (ApiException e) {
          yield null;
        }
      }
    };
  }
}
