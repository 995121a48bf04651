package io.treeline.featurestore.online;

import com.fasterxml.jackson.core.io.NumberInput;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * How Redis holds a view's entities: a hash per entity at {@code treeline:{view}:<keys>} (the key
 * values URL-encoded and joined by '|', so '|' and ':' in values cannot collide), one field per
 * non-null feature, values tagged with their type ({@code l:42}, {@code d:1.5}, {@code s:CA},
 * {@code b:true}) so they read back as what was written. The braces put a view's keys in one
 * Redis Cluster slot.
 */
final class ValueCodec {
  static final String FEATURE_TIME = "feature_time";

  private ValueCodec() {}

  // Read for every entity of every request: a builder, not a stream and a joining collector.
  static String entityKey(String view, EntityKey key) {
    StringBuilder out = new StringBuilder(64).append("treeline:{").append(view).append("}:");
    for (int i = 0; i < key.values().size(); i++) {
      String value = key.values().get(i);
      out.append(i == 0 ? "" : "|").append(unchangedByEncoding(value) ? value : URLEncoder.encode(value, StandardCharsets.UTF_8));
    }
    return out.toString();
  }

  /** Whether URL-encoding leaves {@code value} as it is (letters, digits and {@code .-*_}): most keys, which then need no copy. */
  private static boolean unchangedByEncoding(String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '*' || c == '_')) {
        return false;
      }
    }
    return true;
  }

  static String prefix(String view) {
    return "treeline:{" + view + "}:";
  }

  static String metaKey(String view) {
    return "treeline:{" + view + "}#meta";
  }

  static EntityKey decodeKey(String view, String redisKey) {
    String encoded = redisKey.substring(prefix(view).length());
    return new EntityKey(List.of(encoded.split("\\|", -1)).stream().map(v -> URLDecoder.decode(v, StandardCharsets.UTF_8)).toList());
  }

  /** Null for a null value: the field is left out of the hash. */
  static String encode(Object value) {
    if (value == null) {
      return null;
    }
    if (value instanceof Long || value instanceof Integer || value instanceof Short || value instanceof Byte) {
      return "l:" + ((Number) value).longValue();
    }
    if (value instanceof Number n) {
      return "d:" + n.doubleValue();
    }
    if (value instanceof Boolean b) {
      return "b:" + b;
    }
    return "s:" + value;
  }

  static Object decode(String encoded) {
    if (encoded == null) {
      return null;
    }
    String body = encoded.substring(2);
    return switch (encoded.charAt(0)) {
      case 'l' -> Long.parseLong(body);
      // Read for every feature of every request: the JDK's parser takes its slow, allocating path for
      // most 16- and 17-digit values, Jackson's (FastDoubleParser) does not; both round exactly.
      case 'd' -> NumberInput.parseDouble(body, true);
      case 'b' -> Boolean.parseBoolean(body);
      default -> body;
    };
  }
}
