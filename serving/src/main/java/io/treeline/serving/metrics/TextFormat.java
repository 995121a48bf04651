package io.treeline.serving.metrics;

import java.math.BigDecimal;
import java.util.List;

/** Escaping and number rendering of the Prometheus text exposition format 0.0.4 (serving's registry and the jobs' pushes). */
public final class TextFormat {
  private TextFormat() {}

  public static String escapeHelp(String help) {
    return escape(help, false);
  }

  static String escapeLabelValue(String value) {
    return escape(value, true);
  }

  private static String escape(String text, boolean quotes) {
    StringBuilder out = null;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      String replacement = c == '\\' ? "\\\\" : c == '\n' ? "\\n" : quotes && c == '"' ? "\\\"" : null;
      if (replacement != null && out == null) {
        out = new StringBuilder(text.length() + 8).append(text, 0, i);
      }
      if (out != null) {
        if (replacement != null) {
          out.append(replacement);
        } else {
          out.append(c);
        }
      }
    }
    return out == null ? text : out.toString();
  }

  /** The label pairs of one series, without braces, e.g. {@code method="GET",status="200"}. */
  public static String labels(List<String> names, List<String> values) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < names.size(); i++) {
      if (i > 0) {
        out.append(',');
      }
      out.append(names.get(i)).append("=\"").append(escapeLabelValue(values.get(i))).append('"');
    }
    return out.toString();
  }

  static void sample(StringBuilder out, String name, String labels, double value) {
    out.append(name);
    if (!labels.isEmpty()) {
      out.append('{').append(labels).append('}');
    }
    out.append(' ').append(number(value)).append('\n');
  }

  public static String number(double value) {
    if (Double.isNaN(value)) {
      return "NaN";
    }
    if (Double.isInfinite(value)) {
      return value > 0 ? "+Inf" : "-Inf";
    }
    // Counts are whole numbers almost always; "42" reads better than "42.0" and parses the same.
    if (value == Math.rint(value) && Math.abs(value) < 1e15) {
      return Long.toString((long) value);
    }
    // Double.toString writes 1.0E-4 for the small latency buckets; le="0.0001" is what people type in queries.
    double magnitude = Math.abs(value);
    if (magnitude < 1e-3 && magnitude >= 1e-9) {
      return BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
    }
    return Double.toString(value);
  }
}
