package io.treeline.pipelines.spec;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.treeline.core.error.Errors;
import io.treeline.core.error.InvalidInputException;
import io.treeline.pipelines.spec.PipelineSpec.Baseline;
import io.treeline.pipelines.spec.PipelineSpec.Categorical;
import io.treeline.pipelines.spec.PipelineSpec.ColumnKind;
import io.treeline.pipelines.spec.PipelineSpec.Gate;
import io.treeline.pipelines.spec.PipelineSpec.Imputation;
import io.treeline.pipelines.spec.PipelineSpec.ModelSpec;
import io.treeline.pipelines.spec.PipelineSpec.ModelType;
import io.treeline.pipelines.spec.PipelineSpec.MonitoringSpec;
import io.treeline.pipelines.spec.PipelineSpec.Preprocessing;
import io.treeline.pipelines.spec.PipelineSpec.RequestFeature;
import io.treeline.pipelines.spec.PipelineSpec.SpineSpec;
import io.treeline.pipelines.spec.PipelineSpec.SplitSpec;
import io.treeline.pipelines.spec.PipelineSpec.CalibrationMethod;
import io.treeline.pipelines.spec.PipelineSpec.ThresholdSpec;
import io.treeline.pipelines.spec.PipelineSpec.TuningSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.catalyst.parser.CatalystSqlParser$;

/**
 * Reads a pipeline file strictly: unknown keys, values of the wrong shape and SQL that does not
 * parse are errors naming the file, the key and the reason. Model parameters are checked against
 * Spark's estimator by {@link ModelParams}.
 */
public final class PipelineSpecParser {
  private final Path file;

  private PipelineSpecParser(Path file) {
    this.file = file;
  }

  public static PipelineSpec parse(Path file) {
    String text;
    Object root;
    try {
      text = Files.readString(file);
      root = new ObjectMapper(new YAMLFactory()).readValue(text, Object.class);
    } catch (IOException e) {
      String message = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
      throw Errors.invalidInput("load", "pipeline " + file, message, "Fix the YAML syntax (see docs/pipelines.md).", e);
    }
    return new PipelineSpecParser(file).spec(new Node(root, "", file), text);
  }

  private PipelineSpec spec(Node root, String text) {
    root.keys("name", "description", "spine", "features", "request_features", "preprocessing", "model", "tuning", "split",
        "threshold", "calibration", "gates", "baseline", "register", "serving", "monitoring");
    String name = root.string("name", true);
    if (!name.matches("[a-z][a-z0-9-]*")) {
      throw root.child("name").error("must be lower-case letters, digits and dashes, starting with a letter", "Name it like flight-delay.");
    }
    SpineSpec spine = spine(root.child("spine"));
    List<String> features = root.has("features") ? root.child("features").strings() : List.of();
    List<RequestFeature> request = new ArrayList<>();
    Set<String> requestNames = new HashSet<>();
    if (root.has("request_features")) {
      for (Node item : root.child("request_features").items()) {
        item.keys("name", "expr", "kind");
        String featureName = item.string("name", true);
        if (!requestNames.add(featureName)) {
          throw item.child("name").error("duplicate request feature '" + featureName + "'", "Give each request feature its own name.");
        }
        String expr = item.string("expr", false);
        if (expr != null) {
          item.child("expr").sql(expr);
        }
        String kind = item.has("kind") ? item.string("kind", true) : "numeric";
        request.add(new RequestFeature(featureName, expr, item.child("kind").choice(kind, ColumnKind.class)));
      }
    }
    if (features.isEmpty() && request.isEmpty()) {
      throw root.error("a pipeline needs features, request_features or both", "List feature views under features:.");
    }
    Preprocessing preprocessing = preprocessing(root.has("preprocessing") ? root.child("preprocessing") : null);
    ModelSpec model = model(root.child("model"));
    SplitSpec split = split(root.child("split"));
    TuningSpec tuning = root.has("tuning") ? tuning(root.child("tuning"), split) : null;
    ThresholdSpec threshold = root.has("threshold") ? threshold(root.child("threshold")) : ThresholdSpec.DEFAULT;
    CalibrationMethod calibration = root.has("calibration")
        ? root.child("calibration").choice(root.string("calibration", true), CalibrationMethod.class) : CalibrationMethod.NONE;
    if (!model.type().classifier() && (root.has("threshold") || root.has("calibration"))) {
      throw root.child(root.has("threshold") ? "threshold" : "calibration").error("applies to classifiers only, and this model is a "
          + model.type().name().toLowerCase(Locale.ROOT), "Remove it, or use a classifier.");
    }
    List<Gate> gates = new ArrayList<>();
    if (root.has("gates")) {
      for (Node item : root.child("gates").items()) {
        item.keys("metric", "min", "max");
        String metric = item.string("metric", true);
        Double min = item.has("min") ? item.child("min").number() : null;
        Double max = item.has("max") ? item.child("max").number() : null;
        if (min == null && max == null) {
          throw item.error("a gate needs min, max or both", "Write e.g. {metric: test_auc, min: 0.65}.");
        }
        Metrics.requireKnown(metric, model.type().classifier(), item.child("metric"));
        gates.add(new Gate(metric, min, max));
      }
    }
    Baseline baseline = null;
    if (root.has("baseline")) {
      Node node = root.child("baseline");
      node.keys("columns");
      baseline = new Baseline(node.child("columns").strings());
      for (String column : baseline.columns()) {
        if (!requestNames.contains(column)) {
          throw node.child("columns").error("'" + column + "' is not a request feature", "Baseline columns are request features: " + requestNames + ".");
        }
      }
    }
    String registered = name;
    if (root.has("register")) {
      Node node = root.child("register");
      node.keys("name");
      registered = node.string("name", true);
    }
    Map<String, String> aliases = new LinkedHashMap<>();
    if (root.has("serving")) {
      Node node = root.child("serving");
      node.keys("aliases");
      for (Map.Entry<String, Node> entry : node.child("aliases").entries().entrySet()) {
        String alias = entry.getKey();
        String column = node.child("aliases").string(alias, true);
        if (!alias.matches("[A-Za-z_][A-Za-z0-9_]*") || requestNames.contains(alias)) {
          throw entry.getValue().error("'" + alias + "' cannot name a request field: it must be an identifier and not a request feature's name",
              "Write e.g. aliases: {departure: departure_time}.");
        }
        aliases.put(alias, column);
      }
    }
    MonitoringSpec monitoring = root.has("monitoring") ? monitoring(root.child("monitoring")) : MonitoringSpec.NONE;
    return new PipelineSpec(name, root.has("description") ? root.string("description", true) : "", spine, features, request,
        aliases, preprocessing, model, tuning, split, threshold, calibration, gates, baseline, registered, monitoring, file, text);
  }

  /**
   * Numbers only, checked here so that a typo fails `pipelines validate` and `train` before anything runs; which
   * inputs feature_thresholds may name is checked by training, which knows the views' features.
   */
  private MonitoringSpec monitoring(Node node) {
    node.keys("drift", "skew", "quality");
    Double psi = null;
    Map<String, Double> perInput = new LinkedHashMap<>();
    if (node.has("drift")) {
      Node drift = node.child("drift");
      drift.keys("psi_threshold", "feature_thresholds");
      psi = drift.has("psi_threshold") ? drift.child("psi_threshold").threshold("0.2", Double.MAX_VALUE) : null;
      if (drift.has("feature_thresholds")) {
        for (Map.Entry<String, Node> entry : drift.child("feature_thresholds").entries().entrySet()) {
          perInput.put(entry.getKey(), entry.getValue().threshold("0.2", Double.MAX_VALUE));
        }
      }
    }
    Double skew = null;
    if (node.has("skew")) {
      Node child = node.child("skew");
      child.keys("threshold");
      skew = child.has("threshold") ? child.child("threshold").threshold("0.01", 1) : null;
    }
    Double margin = null;
    if (node.has("quality")) {
      Node child = node.child("quality");
      child.keys("auc_margin");
      margin = child.has("auc_margin") ? child.child("auc_margin").threshold("0.05", 1) : null;
    }
    return new MonitoringSpec(psi, perInput, skew, margin);
  }

  private SpineSpec spine(Node node) {
    node.keys("table", "sql", "label", "event_time");
    String table = node.string("table", false);
    String sql = node.string("sql", false);
    if ((table == null) == (sql == null)) {
      throw node.error("give exactly one of table and sql", "Use spine.table: raw.flights or spine.sql: select ….");
    }
    if (table != null && !table.matches("[a-z][a-z0-9_]*\\.[a-z][a-z0-9_]*")) {
      throw node.child("table").error("'" + table + "' is not a lake table name", "Name it namespace.table, e.g. raw.flights.");
    }
    String label = node.string("label", true);
    node.child("label").sql(label);
    return new SpineSpec(table, sql, label, node.string("event_time", true));
  }

  private Preprocessing preprocessing(Node node) {
    Map<String, Categorical> categorical = new LinkedHashMap<>();
    Map<String, Imputation> numeric = new LinkedHashMap<>();
    Imputation numericDefault = Imputation.MEAN;
    if (node == null) {
      return new Preprocessing(categorical, numericDefault, numeric);
    }
    node.keys("categorical", "numeric");
    if (node.has("categorical")) {
      for (Map.Entry<String, Node> entry : node.child("categorical").entries().entrySet()) {
        Node column = entry.getValue();
        column.keys("unseen", "one_hot");
        String unseen = column.has("unseen") ? column.string("unseen", true) : "keep";
        if (!Set.of("keep", "error", "skip").contains(unseen)) {
          throw column.child("unseen").error("'" + unseen + "' is not a rule for unseen values", "Use keep, error or skip.");
        }
        categorical.put(entry.getKey(), new Categorical(unseen, column.has("one_hot") && column.child("one_hot").bool()));
      }
    }
    if (node.has("numeric")) {
      for (Map.Entry<String, Node> entry : node.child("numeric").entries().entrySet()) {
        Node column = entry.getValue();
        column.keys("impute");
        Imputation imputation = column.child("impute").choice(column.string("impute", true), Imputation.class);
        if (entry.getKey().equals("default")) {
          numericDefault = imputation;
        } else {
          numeric.put(entry.getKey(), imputation);
        }
      }
    }
    return new Preprocessing(categorical, numericDefault, numeric);
  }

  private ModelSpec model(Node node) {
    node.keys("type", "params");
    ModelType type = node.child("type").choice(node.string("type", true), ModelType.class);
    Map<String, Object> params = new LinkedHashMap<>();
    if (node.has("params")) {
      node.child("params").entries().forEach((key, value) -> params.put(key, value.value()));
    }
    ModelParams.check(type, params, node.child("params"));
    return new ModelSpec(type, params);
  }

  /** A number from 0 to 1, or {optimize: f1 | youden | cost, false_positive_cost, false_negative_cost}. */
  private ThresholdSpec threshold(Node node) {
    if (node.value() instanceof Number) {
      double fixed = node.number();
      if (!(fixed > 0 && fixed < 1)) {
        throw node.error("must be between 0 and 1, got " + fixed, "Use e.g. 0.5, or {optimize: f1} to choose it on the validation split.");
      }
      return new ThresholdSpec(fixed, null, 0, 0);
    }
    node.keys("optimize", "false_positive_cost", "false_negative_cost");
    String optimize = node.string("optimize", true);
    if (!Set.of("f1", "youden", "cost").contains(optimize)) {
      throw node.child("optimize").error("'" + optimize + "' is not an objective", "Use f1, youden or cost.");
    }
    boolean cost = optimize.equals("cost");
    if (!cost && (node.has("false_positive_cost") || node.has("false_negative_cost"))) {
      throw node.error("false_positive_cost and false_negative_cost apply to optimize: cost only", "Remove them, or use optimize: cost.");
    }
    if (!cost) {
      return new ThresholdSpec(null, optimize, 0, 0);
    }
    for (String key : List.of("false_positive_cost", "false_negative_cost")) {
      if (!node.has(key)) {
        throw node.child(key).error("is required with optimize: cost", "Write e.g. {optimize: cost, false_positive_cost: 1, false_negative_cost: 5}.");
      }
    }
    double fp = node.child("false_positive_cost").threshold("1", Double.MAX_VALUE);
    double fn = node.child("false_negative_cost").threshold("5", Double.MAX_VALUE);
    if (fp == 0 && fn == 0) {
      throw node.error("both costs are 0, so every threshold costs nothing", "Give the errors their costs, e.g. false_positive_cost: 1, false_negative_cost: 5.");
    }
    return new ThresholdSpec(null, optimize, fp, fn);
  }

  private TuningSpec tuning(Node node, SplitSpec split) {
    node.keys("method", "grid", "folds", "train_ratio", "parallelism", "metric");
    // Choosing on a random part of a time-ordered train split would let later rows pick the model for earlier ones.
    String method = node.has("method") ? node.string("method", true) : split.byTime() ? "validation_split" : "train_validation_split";
    if (!Set.of("validation_split", "train_validation_split", "cross_validator").contains(method)) {
      throw node.child("method").error("'" + method + "' is not a tuning method", "Use validation_split, train_validation_split or cross_validator.");
    }
    Map<String, List<Object>> grid = new LinkedHashMap<>();
    for (Map.Entry<String, Node> entry : node.child("grid").entries().entrySet()) {
      List<Object> values = new ArrayList<>();
      entry.getValue().items().forEach(item -> values.add(item.value()));
      if (values.isEmpty()) {
        throw entry.getValue().error("the grid needs at least one value", "List values, e.g. [6, 10].");
      }
      grid.put(entry.getKey(), values);
    }
    int folds = node.has("folds") ? (int) node.child("folds").number() : 3;
    double trainRatio = node.has("train_ratio") ? node.child("train_ratio").number() : 0.8;
    int parallelism = node.has("parallelism") ? (int) node.child("parallelism").number() : 1;
    String metric = node.has("metric") ? node.string("metric", true) : null;
    return new TuningSpec(method, grid, folds, trainRatio, parallelism, metric);
  }

  private SplitSpec split(Node node) {
    node.keys("by", "train_until", "validate_until", "test_until", "seed", "fractions");
    String by = node.string("by", true);
    if (by.equals("time")) {
      LocalDateTime trainUntil = node.child("train_until").time();
      LocalDateTime validateUntil = node.child("validate_until").time();
      LocalDateTime testUntil = node.has("test_until") ? node.child("test_until").time() : null;
      if (!trainUntil.isBefore(validateUntil)) {
        throw node.child("validate_until").error("must be after train_until", "Train on earlier data than you validate on.");
      }
      return new SplitSpec(by, trainUntil, validateUntil, testUntil, 0, List.of());
    }
    if (by.equals("random")) {
      long seed = node.has("seed") ? (long) node.child("seed").number() : 42;
      List<Double> fractions = new ArrayList<>();
      node.child("fractions").items().forEach(item -> fractions.add(item.number()));
      if (fractions.size() != 3 || Math.abs(fractions.stream().mapToDouble(Double::doubleValue).sum() - 1) > 1e-9) {
        throw node.child("fractions").error("expected three fractions (train, validate, test) that sum to 1", "Write e.g. [0.7, 0.15, 0.15].");
      }
      return new SplitSpec(by, null, null, null, seed, fractions);
    }
    throw node.child("by").error("'" + by + "' is not a split", "Use by: time (with train_until, validate_until) or by: random.");
  }

  /** A position in the YAML tree that knows its key path, for error messages. */
  static final class Node {
    private final Object value;
    private final String path;
    private final Path file;

    Node(Object value, String path, Path file) {
      this.value = value;
      this.path = path;
      this.file = file;
    }

    Object value() {
      return value;
    }

    InvalidInputException error(String reason, String remedy) {
      return Errors.invalidInput("load", "pipeline " + file, (path.isEmpty() ? "" : "key '" + path + "': ") + reason, remedy);
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> map() {
      if (!(value instanceof Map<?, ?>)) {
        throw error("expected a mapping of keys to values", "See docs/pipelines.md for the layout.");
      }
      return (Map<String, Object>) value;
    }

    void keys(String... allowed) {
      Set<String> known = Set.of(allowed);
      for (String key : map().keySet()) {
        if (!known.contains(key)) {
          throw child(key).error("unknown key", "Allowed here: " + String.join(", ", List.of(allowed)) + ".");
        }
      }
    }

    boolean has(String key) {
      return map().get(key) != null;
    }

    Node child(String key) {
      return new Node(map().get(key), path.isEmpty() ? key : path + "." + key, file);
    }

    Map<String, Node> entries() {
      Map<String, Node> entries = new LinkedHashMap<>();
      map().keySet().forEach(k -> entries.put(k, child(k)));
      return entries;
    }

    List<Node> items() {
      if (!(value instanceof List<?> list)) {
        throw error("expected a list", "Write it as a YAML list.");
      }
      List<Node> items = new ArrayList<>();
      for (int i = 0; i < list.size(); i++) {
        items.add(new Node(list.get(i), path + "[" + i + "]", file));
      }
      return items;
    }

    List<String> strings() {
      List<String> strings = new ArrayList<>();
      for (Node item : items()) {
        if (!(item.value instanceof String s) || s.isBlank()) {
          throw item.error("expected a name", "Write names as strings.");
        }
        strings.add(s.trim());
      }
      return strings;
    }

    String string(String key, boolean required) {
      Object v = map().get(key);
      if (v == null) {
        if (required) {
          throw child(key).error("is required", "Add it (see docs/pipelines.md).");
        }
        return null;
      }
      if (!(v instanceof String || v instanceof Number || v instanceof Boolean)) {
        throw child(key).error("expected a single value", "Write it as a string.");
      }
      return v.toString().trim();
    }

    double number() {
      if (value instanceof Number n) {
        return n.doubleValue();
      }
      throw error("expected a number, got '" + value + "'", "Write a number.");
    }

    /** A threshold: a number from 0 to {@code max}; {@code example} shows what to write. */
    double threshold(String example, double max) {
      if (!(value instanceof Number n) || !Double.isFinite(n.doubleValue())) {
        throw error("expected a number, got '" + value + "'", "Write a number without quotes, e.g. " + example + ".");
      }
      double number = n.doubleValue();
      if (number < 0 || number > max) {
        throw error("must be " + (max == Double.MAX_VALUE ? "0 or more" : "from 0 to " + (long) max) + ", got " + number,
            "Write e.g. " + example + ".");
      }
      return number;
    }

    boolean bool() {
      if (value instanceof Boolean b) {
        return b;
      }
      throw error("expected true or false, got '" + value + "'", "Write true or false.");
    }

    LocalDateTime time() {
      if (value == null) {
        throw error("is required", "Give a date, e.g. 2001-05-01.");
      }
      String text = value.toString().trim().replace(' ', 'T');
      try {
        return text.contains("T") ? LocalDateTime.parse(text) : LocalDate.parse(text).atStartOfDay();
      } catch (DateTimeParseException e) {
        throw error("'" + value + "' is not a date or time", "Write 2001-05-01 or 2001-05-01T06:00.");
      }
    }

    <E extends Enum<E>> E choice(String text, Class<E> type) {
      for (E constant : type.getEnumConstants()) {
        if (constant.name().equalsIgnoreCase(text)) {
          return constant;
        }
      }
      List<String> names = new ArrayList<>();
      for (E constant : type.getEnumConstants()) {
        names.add(constant.name().toLowerCase(Locale.ROOT));
      }
      throw error("'" + text + "' is not one of " + String.join(", ", names), "Use one of " + String.join(", ", names) + ".");
    }

    void sql(String expression) {
      try {
        CatalystSqlParser$.MODULE$.parseExpression(expression);
      } catch (Exception e) { // Spark's ParseException is checked but thrown undeclared
        String reason = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("").trim();
        throw error("the SQL expression '" + expression + "' does not parse: " + reason, "Fix the expression.");
      }
    }
  }
}
