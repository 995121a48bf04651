package io.treeline.serving.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.treeline.core.error.Errors;
import java.util.List;
import java.util.Map;

/**
 * What keeps a caller on one arm of a route: a request header ({@code header:X-Caller-Id}) or a
 * field of the request's first record ({@code field:origin}, e.g. an entity key); a request without
 * it, or a server without a key, gets a random arm. One request goes to one arm, whatever it holds.
 */
public record RouteKey(String header, String field) {
  public static final RouteKey RANDOM = new RouteKey(null, null);

  /** Reads serving.route-key: empty, header:NAME or field:NAME. */
  public static RouteKey parse(String text) {
    String value = text == null ? "" : text.trim();
    if (value.isEmpty()) {
      return RANDOM;
    }
    int colon = value.indexOf(':');
    String kind = colon < 0 ? "" : value.substring(0, colon).trim();
    String name = colon < 0 ? "" : value.substring(colon + 1).trim();
    if (name.isEmpty() || !(kind.equals("header") || kind.equals("field"))) {
      throw Errors.invalidInput("read", "serving.route-key '" + value + "'", "it is not header:NAME or field:NAME",
          "Write e.g. header:X-Caller-Id (a header the caller sends) or field:origin (a field of the first record), or leave it empty for random arms.");
    }
    return kind.equals("header") ? new RouteKey(name, null) : new RouteKey(null, name);
  }

  /** The request's key, or null for a random arm. */
  String of(Exchange ex, List<Map<String, JsonNode>> records) {
    if (header != null) {
      String value = ex.header(header);
      return value == null || value.isEmpty() ? null : value;
    }
    if (field != null && !records.isEmpty()) {
      JsonNode value = records.get(0).get(field);
      return value == null || value.isNull() || value.isContainerNode() ? null : value.asText();
    }
    return null;
  }

  @Override
  public String toString() {
    return header != null ? "header:" + header : field != null ? "field:" + field : "random";
  }
}
