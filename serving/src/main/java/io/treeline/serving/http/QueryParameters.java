package io.treeline.serving.http;

import io.treeline.serving.api.ApiException;
import io.treeline.serving.api.Quoted;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The query string, decoded strictly: a broken percent escape ({@code %ZZ}) is an error naming the
 * parameter, where the servlet API quietly drops or keeps it and so changes what was asked.
 */
final class QueryParameters {
  private QueryParameters() {}

  static Map<String, String> strict(String query) {
    if (query == null || query.isEmpty()) {
      return Map.of();
    }
    Map<String, String> parameters = new LinkedHashMap<>();
    for (String pair : query.split("&")) {
      int eq = pair.indexOf('=');
      String name = decode(eq < 0 ? pair : pair.substring(0, eq), "the query parameter name '" + Quoted.cut(pair) + "'");
      String value = eq < 0 ? "" : decode(pair.substring(eq + 1), "the query parameter " + Quoted.cut(name));
      if (parameters.putIfAbsent(name, value) != null) {
        throw ApiException.invalidField("the query parameter " + Quoted.cut(name) + " is given twice: send it once");
      }
    }
    return parameters;
  }

  private static String decode(String text, String what) {
    try {
      String decoded = URLDecoder.decode(text, StandardCharsets.UTF_8);
      if (decoded.indexOf('\uFFFD') >= 0 && text.indexOf('\uFFFD') < 0) {
        throw new IllegalArgumentException("the escapes are not UTF-8");
      }
      return decoded;
    } catch (IllegalArgumentException e) {
      throw ApiException.invalidField(what + " is not percent-encoded UTF-8: each % must start an escape such as %20");
    }
  }
}
