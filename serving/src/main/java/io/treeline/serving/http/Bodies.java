package io.treeline.serving.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.http.Context;
import io.treeline.serving.api.ApiException;
import java.io.IOException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** Reads request bodies: the size limit, the content type, strict JSON, and JSON values as records. */
final class Bodies {
  /** A request is a few levels deep with short keys and ordinary numbers; tighter bounds than Jackson's keep a hostile body cheap. */
  static final int MAX_DEPTH = 64;
  static final int MAX_NUMBER_DIGITS = 100;
  static final int MAX_KEY_CHARS = 1_000;

  static final ObjectMapper JSON = mapper(false);
  /** As pandas writes JSON, with bare NaN (and Infinity) for missing values: only /invocations reads it. */
  static final ObjectMapper PANDAS_JSON = mapper(true);

  /**
   * For a reader that streams a body and checks for doubled fields itself ({@link NativeRecords}): the
   * same limits, without a set of names per object.
   */
  static final JsonFactory STREAMING = factory(false);

  private static ObjectMapper mapper(boolean nonNumericNumbers) {
    return new ObjectMapper(factory(nonNumericNumbers)).enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
        .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
  }

  private static JsonFactory factory(boolean nonNumericNumbers) {
    return JsonFactory.builder()
        .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).maxNumberLength(MAX_NUMBER_DIGITS)
            .maxNameLength(MAX_KEY_CHARS).build())
        .configure(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS, nonNumericNumbers)
        .build();
  }

  private Bodies() {}

  /** The media type without parameters, lower case; "" when absent. */
  static String mediaType(Exchange ex) {
    String type = ex.header("Content-Type");
    if (type == null) {
      return "";
    }
    int semicolon = type.indexOf(';');
    return (semicolon < 0 ? type : type.substring(0, semicolon)).trim().toLowerCase(Locale.ROOT);
  }

  /**
   * The body's bytes in the thread's {@link BodyBuffer}, for routes that take JSON. {@code curl -d} labels its body
   * {@code application/x-www-form-urlencoded} unless told otherwise, so a body so labelled that is
   * a JSON object is read as JSON; a real form, and any other type, gets 415.
   */
  static BodyBuffer jsonBytes(Exchange ex, long limit) {
    String type = mediaType(ex);
    boolean form = type.equals("application/x-www-form-urlencoded");
    if (!type.equals("application/json") && !form) {
      throw unsupported(type);
    }
    BodyBuffer body = BodyBuffer.read(ex, limit);
    if (form && !startsWithBrace(body.bytes(), body.length())) {
      throw unsupported(type);
    }
    return body;
  }

  private static ApiException unsupported(String type) {
    return ApiException.unsupportedMediaType("Content-Type " + (type.isEmpty() ? "is missing" : "'" + type + "' is not accepted here")
        + ": send the body as JSON with 'Content-Type: application/json'");
  }

  static boolean startsWithBrace(byte[] body) {
    return startsWithBrace(body, body.length);
  }

  static boolean startsWithBrace(byte[] body, int length) {
    for (int i = 0; i < length; i++) {
      if (!Character.isWhitespace(body[i])) {
        return body[i] == '{';
      }
    }
    return false;
  }

  /** The body, refused with 413 past {@code limit} bytes whether or not the client declared its length. */
  static byte[] read(Exchange ex, long limit) {
    return BodyBuffer.read(ex, limit).copy();
  }

  static JsonNode json(byte[] body) {
    return json(body, JSON);
  }

  static JsonNode json(byte[] body, ObjectMapper mapper) {
    if (body.length == 0) {
      throw ApiException.malformed("the body is empty: send a JSON object");
    }
    Utf8.requireValidJson(body);
    try {
      JsonNode node = mapper.readTree(body);
      if (node == null || node.isMissingNode()) {
        throw ApiException.malformed("the body is empty: send a JSON object");
      }
      return node;
    } catch (JsonProcessingException e) {
      throw JsonProblems.refusal(e);
    } catch (IOException e) {
      throw ApiException.malformed("the request body could not be read: the connection failed while it was sent");
    }
  }

  static JsonNode requireObject(JsonNode node, String where) {
    if (!node.isObject()) {
      throw ApiException.invalidField(where + " must be a JSON object, got " + kind(node));
    }
    return node;
  }

  static JsonNode requireArray(JsonNode node, String where) {
    if (node == null || !node.isArray()) {
      throw ApiException.invalidField(where + " must be a JSON array, got " + (node == null ? "nothing" : kind(node)));
    }
    return node;
  }

  /** A JSON object as a record: field name to value. */
  static Map<String, JsonNode> record(JsonNode node, String where) {
    requireObject(node, where);
    Map<String, JsonNode> record = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      record.put(field.getKey(), field.getValue());
    }
    return record;
  }

  static void requireBatch(int size, int maxBatch, String where) {
    if (size == 0) {
      throw ApiException.invalidField(where + " is empty: send at least one record");
    }
    if (size > maxBatch) {
      throw ApiException.tooLarge(where + " holds " + size + " records, over the limit of " + maxBatch
          + ": split the batch (serving.max-batch raises the limit)");
    }
  }

  static String kind(JsonNode node) {
    return node.getNodeType().name().toLowerCase(Locale.ROOT);
  }

  static void write(Context ctx, int status, Object body) {
    write(JavalinExchange.of(ctx), status, body);
  }

  static void write(Exchange ex, int status, Object body) {
    ex.answer(status, bytes(body));
  }

  static byte[] bytes(Object body) {
    try {
      return JSON.writeValueAsBytes(body);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write a response: " + e.getMessage(), e);
    }
  }
}
