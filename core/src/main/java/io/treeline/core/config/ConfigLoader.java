package io.treeline.core.config;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.treeline.core.error.Errors;
import io.treeline.core.error.InvalidInputException;
import io.treeline.core.error.Suggestions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Resolves {@link TreelineConfig} strictly: an unknown key or a value of the wrong type is an
 * {@link InvalidInputException} naming the key, where it came from and what was expected.
 */
public final class ConfigLoader {
  /** TREELINE_* variables that belong to the launcher, not to the configuration. */
  static final Set<String> LAUNCHER_VARIABLES =
      Set.of("TREELINE_HOME", "TREELINE_HEAP", "TREELINE_JAVA_OPTS", "TREELINE_CDS", "TREELINE_CDS_DIR", "TREELINE_CONFIG", "TREELINE_CACHE", "TREELINE_JAVA",
          "TREELINE_PYTHON_VENV", "TREELINE_GIT_COMMIT",
          // The notebooks' parameters (notebooks/README.md): a shell that set them for Jupyter still runs bin/treeline.
          "TREELINE_SERVING_URL", "TREELINE_MODEL", "TREELINE_RUN", "TREELINE_COMPARE", "TREELINE_VIEW",
          "TREELINE_SAMPLE_FLIGHTS", "TREELINE_SPARK_JARS", "TREELINE_SPARK_DRIVER_MEMORY");

  private ConfigLoader() {}

  public static Builder builder() {
    return new Builder();
  }

  public static final class Builder {
    private Path file;
    private Map<String, String> environment = System.getenv();
    private final Map<String, String> overrides = new LinkedHashMap<>();

    /** The YAML file to read; null reads none (the defaults stand). */
    public Builder file(Path file) {
      this.file = file;
      return this;
    }

    public Builder environment(Map<String, String> environment) {
      this.environment = environment;
      return this;
    }

    public Builder override(String key, String value) {
      overrides.put(key, value);
      return this;
    }

    /** Adds {@code key=value} pairs as given to {@code --conf}. */
    public Builder overrides(List<String> assignments) {
      for (String assignment : assignments) {
        int eq = assignment.indexOf('=');
        if (eq <= 0) {
          throw Errors.invalidInput("apply", "--conf " + assignment, "expected key=value",
              "Write it as --conf lake.root=/data/lake; `treeline --help` lists the keys.");
        }
        override(assignment.substring(0, eq).trim(), assignment.substring(eq + 1));
      }
      return this;
    }

    public TreelineConfig load() {
      Resolution resolution = new Resolution();
      if (file != null) {
        resolution.applyFile(file);
      }
      resolution.applyEnvironment(environment);
      overrides.forEach((key, value) -> resolution.apply(key, value, "--conf"));
      return new TreelineConfig(resolution.values, resolution.sources, resolution.sparkConf);
    }
  }

  private static final class Resolution {
    final Map<String, String> values = new LinkedHashMap<>();
    final Map<String, String> sources = new LinkedHashMap<>();
    final Map<String, String> sparkConf = new LinkedHashMap<>();

    Resolution() {
      for (ConfigKey key : ConfigKeys.ALL) {
        values.put(key.key(), key.defaultValue());
        sources.put(key.key(), "default");
      }
    }

    void applyFile(Path path) {
      Object root;
      try {
        root = new ObjectMapper(new YAMLFactory()).readValue(Files.readAllBytes(path), Object.class);
      } catch (IOException e) {
        throw Errors.invalidInput("read", "configuration " + path, firstLine(e.getMessage()),
            "Fix the YAML syntax in " + path + ".", e);
      }
      if (root == null) {
        return;
      }
      if (!(root instanceof Map<?, ?> map)) {
        throw Errors.invalidInput("read", "configuration " + path, "the top level is not a mapping of keys",
            "Start the file with keys such as `lake:` and `spark:`.");
      }
      flatten("", map, path.toString());
    }

    private void flatten(String prefix, Map<?, ?> map, String source) {
      for (Map.Entry<?, ?> entry : map.entrySet()) {
        String key = prefix + entry.getKey();
        Object value = entry.getValue();
        if (key.startsWith(ConfigKeys.SPARK_CONF_PREFIX) || key.equals("spark.conf")) {
          applySparkConf(key, value, source);
        } else if (value instanceof Map<?, ?> nested) {
          flatten(key + ".", nested, source);
        } else {
          apply(key, value, source);
        }
      }
    }

    private void applySparkConf(String key, Object value, String source) {
      if (value instanceof Map<?, ?> nested) {
        for (Map.Entry<?, ?> entry : nested.entrySet()) {
          String child = key.equals("spark.conf") ? ConfigKeys.SPARK_CONF_PREFIX + entry.getKey() : key + "." + entry.getKey();
          applySparkConf(child, entry.getValue(), source);
        }
      } else {
        apply(key, value, source);
      }
    }

    void applyEnvironment(Map<String, String> environment) {
      Map<String, ConfigKey> byVariable =
          ConfigKeys.ALL.stream().collect(Collectors.toMap(ConfigKey::environmentVariable, k -> k));
      for (Map.Entry<String, String> entry : environment.entrySet()) {
        String variable = entry.getKey();
        if (!variable.startsWith("TREELINE_") || LAUNCHER_VARIABLES.contains(variable)) {
          continue;
        }
        ConfigKey key = byVariable.get(variable);
        if (key == null) {
          throw Errors.invalidInput("read", "environment variable " + variable, "it names no Treeline setting",
              "Unset it, or use one of: " + String.join(", ", byVariable.keySet().stream().sorted().toList()) + ".");
        }
        apply(key.key(), entry.getValue(), "environment variable " + variable);
      }
    }

    void apply(String key, Object raw, String source) {
      if (key.startsWith(ConfigKeys.SPARK_CONF_PREFIX) && key.length() > ConfigKeys.SPARK_CONF_PREFIX.length()) {
        if (raw == null || raw instanceof Map || raw instanceof List) {
          throw wrongType(key, source, "a string, number or boolean", raw);
        }
        sparkConf.put(key.substring(ConfigKeys.SPARK_CONF_PREFIX.length()), raw.toString());
        return;
      }
      ConfigKey configKey = ConfigKeys.find(key).orElseThrow(() -> unknownKey(key, source));
      String value = raw == null ? null : configKey.type().parse(raw);
      if (value == null) {
        throw wrongType(key, source, configKey.type().expectation(), raw);
      }
      values.put(key, value);
      sources.put(key, source);
    }

    private static InvalidInputException unknownKey(String key, String source) {
      String hint = Suggestions.nearest(key, ConfigKeys.ALL.stream().map(ConfigKey::key).toList())
          .map(nearest -> "Did you mean '" + nearest + "'? ").orElse("");
      return Errors.invalidInput("load", "configuration from " + source, "unknown key '" + key + "'",
          hint + "Known keys: " + ConfigKeys.ALL.stream().map(ConfigKey::key).collect(Collectors.joining(", "))
              + ", and spark.conf.<any Spark setting>.");
    }

    private static InvalidInputException wrongType(String key, String source, String expected, Object raw) {
      return Errors.invalidInput("load", "configuration from " + source,
          "key '" + key + "' must be " + expected + ", got '" + raw + "'",
          "Set '" + key + "' to " + expected + ".");
    }
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "unreadable";
    }
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }
}
