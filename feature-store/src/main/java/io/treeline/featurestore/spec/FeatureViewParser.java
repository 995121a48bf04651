package io.treeline.featurestore.spec;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.treeline.core.error.Errors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads feature view files strictly: every key is known, every value has the right shape, every
 * SQL expression parses. Column names are checked later against the source ({@link FeatureViewChecker}).
 */
public final class FeatureViewParser {
  static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]*");
  private static final Set<String> FILE_KEYS = Set.of("views");
  private static final Set<String> VIEW_KEYS = Set.of("name", "description", "owner", "tags", "entities", "source",
      "columns", "event_time", "available_at", "ttl", "online", "features");
  private static final Set<String> SOURCE_KEYS = Set.of("table", "path", "format", "filter");
  private static final Set<String> FEATURE_KEYS = Set.of("name", "expr", "agg", "window", "description");
  private static final Set<String> FORMATS = Set.of("parquet", "csv", "json", "delta");

  private FeatureViewParser() {}

  public static List<FeatureView> parse(Path file) {
    Object root;
    try {
      root = new ObjectMapper(new YAMLFactory()).readValue(Files.readAllBytes(file), Object.class);
    } catch (IOException e) {
      String message = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
      throw Errors.invalidInput("load", "feature views from " + file, message, "Fix the YAML syntax.", e);
    }
    Map<String, Object> top = mapping(root, file, null, "(top level)");
    checkKeys(top, FILE_KEYS, file, null, "");
    List<FeatureView> views = new ArrayList<>();
    Object list = top.get("views");
    if (!(list instanceof List<?> items) || items.isEmpty()) {
      throw SpecError.at(file, null, "views", "expected a non-empty list of views", "Start the file with `views:` and a list.");
    }
    Set<String> names = new HashSet<>();
    for (int i = 0; i < items.size(); i++) {
      FeatureView view = view(mapping(items.get(i), file, null, "views[" + i + "]"), file, i);
      if (!names.add(view.name())) {
        throw SpecError.at(file, view.name(), "name", "another view in this file has the same name", "Rename one of them.");
      }
      views.add(view);
    }
    return views;
  }

  private static FeatureView view(Map<String, Object> m, Path file, int index) {
    String name = requiredString(m, "name", file, null, "views[" + index + "].name");
    if (!NAME.matcher(name).matches()) {
      throw SpecError.at(file, name, "name", "must be lower-case letters, digits and underscores, starting with a letter",
          "Name it like origin_delays.");
    }
    checkKeys(m, VIEW_KEYS, file, name, "");
    List<String> entities = stringList(m.get("entities"), file, name, "entities");
    if (entities.isEmpty()) {
      throw SpecError.at(file, name, "entities", "at least one entity key column is required", "List the key columns, e.g. [origin].");
    }
    SourceSpec source = source(m.get("source"), file, name);
    Map<String, String> columns = new LinkedHashMap<>();
    if (m.get("columns") != null) {
      mapping(m.get("columns"), file, name, "columns").forEach((column, expr) -> {
        String key = "columns." + column;
        if (!NAME.matcher(column).matches()) {
          throw SpecError.at(file, name, key, "column names must be lower_snake_case", "Rename the column.");
        }
        columns.put(column, expression(expr, file, name, key));
      });
    }
    Optional<String> eventTime = optionalString(m, "event_time", file, name);
    Optional<String> availableAt = optionalString(m, "available_at", file, name).map(e -> expression(e, file, name, "available_at"));
    Optional<TimeWindow> ttl = optionalString(m, "ttl", file, name).map(t -> window(t, file, name, "ttl"));
    boolean online = bool(m.get("online"), file, name, "online");
    List<FeatureSpec> features = features(m.get("features"), file, name);

    if (eventTime.isEmpty()) {
      if (availableAt.isPresent() || ttl.isPresent()) {
        throw SpecError.at(file, name, availableAt.isPresent() ? "available_at" : "ttl",
            "a view without event_time is static and always valid", "Add event_time, or remove the key.");
      }
      features.stream().filter(f -> !f.rowLevel()).findFirst().ifPresent(f -> {
        throw SpecError.at(file, name, "features." + f.name() + ".agg", "aggregations need a timed view",
            "Add event_time to the view, or make the feature a row-level expression.");
      });
    }
    return new FeatureView(name, optionalString(m, "description", file, name).orElse(""),
        optionalString(m, "owner", file, name).orElse(""), tags(m.get("tags"), file, name), entities, source, columns,
        eventTime, availableAt, ttl, online, features, file);
  }

  private static SourceSpec source(Object raw, Path file, String view) {
    if (raw == null) {
      throw SpecError.at(file, view, "source", "is required", "Give source.table (a lake table) or source.path with source.format.");
    }
    Map<String, Object> m = mapping(raw, file, view, "source");
    checkKeys(m, SOURCE_KEYS, file, view, "source.");
    Optional<String> table = optionalString(m, "table", file, view).map(String::trim);
    Optional<String> path = optionalString(m, "path", file, view);
    if (table.isPresent() == path.isPresent()) {
      throw SpecError.at(file, view, "source", "give exactly one of table and path", "Use source.table: raw.flights or source.path: /data/x.parquet.");
    }
    table.ifPresent(t -> {
      if (!t.matches("[a-z][a-z0-9_]*\\.[a-z][a-z0-9_]*")) {
        throw SpecError.at(file, view, "source.table", "'" + t + "' is not a lake table name", "Name it namespace.table, e.g. raw.flights.");
      }
    });
    String format = optionalString(m, "format", file, view).orElse(table.isPresent() ? "delta" : "parquet");
    if (!FORMATS.contains(format)) {
      throw SpecError.at(file, view, "source.format", "'" + format + "' is not supported", "Use one of " + FORMATS + ".");
    }
    Optional<String> filter = optionalString(m, "filter", file, view).map(f -> expression(f, file, view, "source.filter"));
    return new SourceSpec(table, path, format, filter);
  }

  private static List<FeatureSpec> features(Object raw, Path file, String view) {
    if (!(raw instanceof List<?> items) || items.isEmpty()) {
      throw SpecError.at(file, view, "features", "expected a non-empty list of features", "List at least one feature.");
    }
    List<FeatureSpec> features = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (int i = 0; i < items.size(); i++) {
      Map<String, Object> m = mapping(items.get(i), file, view, "features[" + i + "]");
      String name = requiredString(m, "name", file, view, "features[" + i + "].name");
      String prefix = "features." + name + ".";
      if (!NAME.matcher(name).matches()) {
        throw SpecError.at(file, view, prefix + "name", "must be lower_snake_case", "Rename the feature.");
      }
      if (!names.add(name)) {
        throw SpecError.at(file, view, prefix + "name", "duplicate feature name", "Each feature of a view needs its own name.");
      }
      checkKeys(m, FEATURE_KEYS, file, view, prefix);
      Optional<String> expr = optionalString(m, "expr", file, view).map(e -> expression(e, file, view, prefix + "expr"));
      Optional<Aggregation> agg = optionalString(m, "agg", file, view).map(a -> Aggregation.parse(a).orElseThrow(() ->
          SpecError.at(file, view, prefix + "agg", "unknown aggregation '" + a + "'", "Use one of " + Aggregation.allowed() + ".")));
      Optional<TimeWindow> window = optionalString(m, "window", file, view).map(w -> window(w, file, view, prefix + "window"));
      if (agg.isEmpty() && expr.isEmpty()) {
        throw SpecError.at(file, view, prefix + "expr", "a feature needs expr, agg or both", "Add expr: <Spark SQL expression>.");
      }
      if (agg.isEmpty() && window.isPresent()) {
        throw SpecError.at(file, view, prefix + "window", "a window needs an aggregation", "Add agg: avg (or another aggregation).");
      }
      if (agg.isPresent() && agg.get() != Aggregation.LAST && window.isEmpty()) {
        throw SpecError.at(file, view, prefix + "window", "agg " + agg.get().key() + " needs a window", "Add window: 1h (or 24h, 7d, …).");
      }
      if (agg.isPresent() && agg.get() != Aggregation.COUNT && expr.isEmpty()) {
        throw SpecError.at(file, view, prefix + "expr", "agg " + agg.get().key() + " needs an expression to aggregate", "Add expr: <column or expression>.");
      }
      features.add(new FeatureSpec(name, expr, agg, window, optionalString(m, "description", file, view).orElse("")));
    }
    return features;
  }

  private static String expression(Object raw, Path file, String view, String key) {
    if (!(raw instanceof String || raw instanceof Number || raw instanceof Boolean)) {
      throw SpecError.at(file, view, key, "expected a Spark SQL expression", "Write the expression as a string.");
    }
    String expr = raw.toString();
    SqlSyntax.problem(expr).ifPresent(reason -> {
      throw SpecError.at(file, view, key, "the SQL expression '" + expr + "' does not parse: " + reason, "Fix the expression.");
    });
    return expr;
  }

  private static TimeWindow window(String text, Path file, String view, String key) {
    return TimeWindow.parse(text).orElseThrow(() -> SpecError.at(file, view, key, "'" + text + "' is not a duration",
        "Write a positive number and a unit: 30m, 1h, 24h, 7d, 2w (s, m, h, d, w)."));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> mapping(Object raw, Path file, String view, String key) {
    if (!(raw instanceof Map<?, ?> map)) {
      throw SpecError.at(file, view, key, "expected a mapping of keys to values", "See docs/features.md for the layout.");
    }
    return (Map<String, Object>) map;
  }

  private static void checkKeys(Map<String, Object> m, Set<String> allowed, Path file, String view, String prefix) {
    for (String key : m.keySet()) {
      if (!allowed.contains(key)) {
        throw SpecError.at(file, view, prefix + key, "unknown key", "Allowed here: " + String.join(", ", allowed.stream().sorted().toList()) + ".");
      }
    }
  }

  private static String requiredString(Map<String, Object> m, String key, Path file, String view, String path) {
    Object value = m.get(key);
    if (!(value instanceof String s) || s.isBlank()) {
      throw SpecError.at(file, view, path, "is required and must be a string", "Add it.");
    }
    return s.trim();
  }

  private static Optional<String> optionalString(Map<String, Object> m, String key, Path file, String view) {
    Object value = m.get(key);
    if (value == null) {
      return Optional.empty();
    }
    if (!(value instanceof String || value instanceof Number || value instanceof Boolean)) {
      throw SpecError.at(file, view, key, "expected a single value", "Write it as a string.");
    }
    return Optional.of(value.toString());
  }

  private static boolean bool(Object raw, Path file, String view, String key) {
    if (raw == null) {
      return false;
    }
    if (raw instanceof Boolean b) {
      return b;
    }
    throw SpecError.at(file, view, key, "expected true or false, got '" + raw + "'", "Write online: true or online: false.");
  }

  private static List<String> stringList(Object raw, Path file, String view, String key) {
    if (raw instanceof String s) {
      return List.of(s.trim());
    }
    if (!(raw instanceof List<?> items)) {
      throw SpecError.at(file, view, key, "expected a list of column names", "Write e.g. [origin, destination].");
    }
    List<String> values = new ArrayList<>();
    for (Object item : items) {
      if (!(item instanceof String s) || !NAME.matcher(s.trim()).matches()) {
        throw SpecError.at(file, view, key, "'" + item + "' is not a column name", "Use lower_snake_case column names.");
      }
      values.add(s.trim());
    }
    return values;
  }

  private static Map<String, String> tags(Object raw, Path file, String view) {
    if (raw == null) {
      return Map.of();
    }
    Map<String, String> tags = new LinkedHashMap<>();
    mapping(raw, file, view, "tags").forEach((k, v) -> tags.put(k, String.valueOf(v)));
    return tags;
  }
}
