package io.treeline.serving.api;

/**
 * A value a client sent, as an error message may quote it: cut to {@link #MAX_CHARS} characters so a
 * huge value never makes a huge answer (nor a huge log line), control characters shown as escapes.
 */
public final class Quoted {
  public static final int MAX_CHARS = 64;

  private Quoted() {}

  public static String cut(String value) {
    return cut(value, MAX_CHARS);
  }

  /** Cut to {@code max} characters, for text of the server's own that may quote a client's value. */
  public static String cut(String value, int max) {
    if (value == null) {
      return "null";
    }
    int end = Math.min(value.length(), max);
    if (end < value.length() && Character.isHighSurrogate(value.charAt(end - 1))) {
      end--; // never half a character
    }
    StringBuilder out = new StringBuilder(end + 32);
    for (int i = 0; i < end; i++) {
      char c = value.charAt(i);
      if (Character.isISOControl(c)) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    if (end < value.length()) {
      out.append("… (").append(value.length()).append(" characters)");
    }
    return out.toString();
  }
}
