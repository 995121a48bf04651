package io.treeline.core.error;

import java.util.Collection;
import java.util.Comparator;
import java.util.Optional;

/** "Did you mean …?": the known name closest to a mistyped one, by edit distance, ignoring case. */
public final class Suggestions {
  private Suggestions() {}

  /** The nearest of {@code known}, if it is close enough to be a likely typo of {@code typed}. */
  public static Optional<String> nearest(String typed, Collection<String> known) {
    return known.stream()
        .min(Comparator.comparingInt(k -> distance(k.toLowerCase(), typed.toLowerCase())))
        .filter(k -> distance(k.toLowerCase(), typed.toLowerCase()) <= Math.max(3, typed.length() / 3));
  }

  static int distance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }
}
