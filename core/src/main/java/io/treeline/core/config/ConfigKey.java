package io.treeline.core.config;

import java.util.Locale;

/** One setting: its dotted key, type, default and documentation, declared once in {@link ConfigKeys}. */
public record ConfigKey(String key, ConfigType type, String defaultValue, String doc) {

  /** The environment variable that overrides this key: {@code online-store.type} → {@code TREELINE_ONLINE_STORE_TYPE}. */
  public String environmentVariable() {
    return environmentVariable(key);
  }

  static String environmentVariable(String key) {
    return "TREELINE_" + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
  }
}
