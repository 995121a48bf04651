package io.treeline.core.json;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Small JSON objects whose keys keep the order they are given in. Map.of's order changes from one
 * JVM run to the next, which would make summaries, metrics.json and treeline.json differ for the
 * same content.
 */
public final class JsonObjects {
  private JsonObjects() {}

  public static Map<String, Object> of(Object... keysAndValues) {
    if (keysAndValues.length % 2 != 0) {
      throw new IllegalArgumentException("expected key, value pairs");
    }
    Map<String, Object> object = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      object.put((String) keysAndValues[i], keysAndValues[i + 1]);
    }
    return object;
  }
}
