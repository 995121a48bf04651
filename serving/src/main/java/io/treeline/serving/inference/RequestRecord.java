package io.treeline.serving.inference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A logged record's request as the client sent it: its fields as parsed, or the bytes of its JSON
 * object in the body received. The second is what the streaming {@code /v1} path has (it never builds
 * a tree); the writer parses those bytes, off the request path, into the same fields the tree would hold.
 */
public final class RequestRecord {
  public static final RequestRecord EMPTY = new RequestRecord(Map.of(), null, 0, 0);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Map<String, JsonNode> fields;
  private final byte[] body;
  private final int from;
  private final int to;

  private RequestRecord(Map<String, JsonNode> fields, byte[] body, int from, int to) {
    this.fields = fields;
    this.body = body;
    this.from = from;
    this.to = to;
  }

  public static RequestRecord of(Map<String, JsonNode> fields) {
    return fields == null || fields.isEmpty() ? EMPTY : new RequestRecord(fields, null, 0, 0);
  }

  /** The JSON object in {@code body[from, to)}; the array is kept, not copied, so nothing may change it afterwards. */
  public static RequestRecord received(byte[] body, int from, int to) {
    if (from < 0 || to > body.length || from >= to) {
      throw new IllegalArgumentException("a record's JSON lies in [" + from + ", " + to + ") of a " + body.length + "-byte body");
    }
    return new RequestRecord(null, body, from, to);
  }

  /** Whether this is a received record's bytes ({@link #body}, {@link #from}, {@link #to}), not parsed fields. */
  boolean received() {
    return body != null;
  }

  byte[] body() {
    return body;
  }

  int from() {
    return from;
  }

  int to() {
    return to;
  }

  /** The fields in the order sent; a received record's are parsed at each call (the writer asks once per row). */
  public Map<String, JsonNode> fields() {
    if (fields != null) {
      return fields;
    }
    try {
      JsonNode object = JSON.readTree(body, from, to - from);
      if (object == null || !object.isObject()) {
        throw new IllegalStateException("the received record is not a JSON object");
      }
      Map<String, JsonNode> parsed = new LinkedHashMap<>();
      object.properties().forEach(field -> parsed.put(field.getKey(), field.getValue()));
      return Collections.unmodifiableMap(parsed);
    } catch (IOException e) {
      throw new UncheckedIOException("the received record is not JSON", e);
    }
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof RequestRecord that && fields().equals(that.fields());
  }

  @Override
  public int hashCode() {
    return fields().hashCode();
  }

  @Override
  public String toString() {
    return fields().toString();
  }
}
