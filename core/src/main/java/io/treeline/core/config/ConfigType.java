package io.treeline.core.config;

import java.util.List;
import java.util.Locale;

/** The type of a configuration value: how it is parsed and how the expectation is described. */
public sealed interface ConfigType permits ConfigType.Text, ConfigType.Int, ConfigType.Bool, ConfigType.Choice {

  /** Returns the canonical string form, or null when {@code raw} is not of this type. */
  String parse(Object raw);

  /** Describes the expected type for error messages ("an integer", "one of lake, mlflow"). */
  String expectation();

  ConfigType TEXT = new Text();
  ConfigType INT = new Int();
  ConfigType BOOL = new Bool();

  static ConfigType oneOf(String... values) {
    return new Choice(List.of(values));
  }

  record Text() implements ConfigType {
    @Override
    public String parse(Object raw) {
      return raw instanceof String || raw instanceof Number || raw instanceof Boolean ? raw.toString() : null;
    }

    @Override
    public String expectation() {
      return "a string";
    }
  }

  record Int() implements ConfigType {
    @Override
    public String parse(Object raw) {
      if (raw instanceof Integer || raw instanceof Long) {
        return raw.toString();
      }
      if (raw instanceof String s) {
        try {
          return Integer.toString(Integer.parseInt(s.trim()));
        } catch (NumberFormatException e) {
          return null;
        }
      }
      return null;
    }

    @Override
    public String expectation() {
      return "an integer";
    }
  }

  record Bool() implements ConfigType {
    @Override
    public String parse(Object raw) {
      if (raw instanceof Boolean b) {
        return b.toString();
      }
      if (raw instanceof String s) {
        String v = s.trim().toLowerCase(Locale.ROOT);
        return v.equals("true") || v.equals("false") ? v : null;
      }
      return null;
    }

    @Override
    public String expectation() {
      return "a boolean (true or false)";
    }
  }

  record Choice(List<String> values) implements ConfigType {
    @Override
    public String parse(Object raw) {
      if (!(raw instanceof String s)) {
        return null;
      }
      // Any case is accepted; the value keeps the declared spelling (mlflow, but SASL_SSL).
      String v = s.trim();
      return values.stream().filter(value -> value.equalsIgnoreCase(v)).findFirst().orElse(null);
    }

    @Override
    public String expectation() {
      return "one of " + String.join(", ", values);
    }
  }
}
