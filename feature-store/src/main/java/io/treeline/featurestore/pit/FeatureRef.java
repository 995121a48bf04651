package io.treeline.featurestore.pit;

import io.treeline.core.error.Errors;
import java.util.ArrayList;
import java.util.List;

/** A requested feature: {@code view:feature}, or {@code view} (or {@code view:*}) for all of a view's features. */
public record FeatureRef(String view, String feature) {
  public static final String ALL = "*";

  public boolean all() {
    return feature.equals(ALL);
  }

  public static List<FeatureRef> parseList(String text) {
    List<FeatureRef> refs = new ArrayList<>();
    for (String part : text.split(",")) {
      if (!part.isBlank()) {
        refs.add(parse(part.trim()));
      }
    }
    if (refs.isEmpty()) {
      throw Errors.invalidInput("read", "--features", "no feature given", "List features as view:feature,view:feature or whole views.");
    }
    return refs;
  }

  public static FeatureRef parse(String text) {
    String[] parts = text.split(":");
    if (parts.length > 2 || parts[0].isBlank() || (parts.length == 2 && parts[1].isBlank())) {
      throw Errors.invalidInput("read", "feature reference '" + text + "'", "expected view:feature or view",
          "Write e.g. origin_delays:avg_delay_24h or origin_delays.");
    }
    return new FeatureRef(parts[0], parts.length == 2 ? parts[1] : ALL);
  }

  @Override
  public String toString() {
    return view + ":" + feature;
  }
}
