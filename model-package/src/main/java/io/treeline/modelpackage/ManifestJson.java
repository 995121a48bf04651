package io.treeline.modelpackage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.treeline.core.error.Errors;
import io.treeline.core.error.InvalidInputException;
import io.treeline.modelpackage.ModelManifest.FeatureViewDependency;
import io.treeline.modelpackage.ModelManifest.InputColumn;
import io.treeline.modelpackage.ModelManifest.Kind;
import io.treeline.modelpackage.ModelManifest.Monitoring;
import io.treeline.modelpackage.ModelManifest.RequestFeature;
import io.treeline.modelpackage.ModelManifest.TrainingSet;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The one writer and the one reader of {@code treeline.json}. Field names and nesting are those of
 * format version 1 (snake_case, {@code feature_views[].features} as plain names), so packages
 * written before this class existed load unchanged. Keys a reader does not know are ignored: a
 * later writer may add optional keys without a new format version; anything a reader would
 * misread raises {@link FormatVersion#CURRENT}.
 */
final class ManifestJson {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private ManifestJson() {}

  static byte[] write(ModelManifest m) {
    try {
      return JSON.writeValueAsBytes(tree(m));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static ObjectNode tree(ModelManifest m) {
    ObjectNode doc = JSON.createObjectNode();
    doc.put("format_version", FormatVersion.of(m));
    doc.put("pipeline", m.pipeline());
    doc.put("run_id", m.runId());
    doc.put("registered_model", m.registeredModel());
    doc.put("model_type", m.modelType());
    doc.put("threshold", m.threshold());
    if (!(m.calibration() instanceof Calibration.None)) {
      calibration(doc.putObject("calibration"), m.calibration());
    }
    doc.put("label", m.label());
    doc.put("event_time", m.eventTime());
    ArrayNode views = doc.putArray("feature_views");
    for (FeatureViewDependency view : m.featureViews()) {
      ObjectNode v = views.addObject();
      v.put("view", view.view());
      v.put("offline_table", view.offlineTable());
      view.entities().forEach(v.putArray("entities")::add);
      view.features().forEach(v.putArray("features")::add);
    }
    ArrayNode request = doc.putArray("request_features");
    for (RequestFeature feature : m.requestFeatures()) {
      ObjectNode f = request.addObject();
      f.put("name", feature.name());
      f.put("kind", feature.kind().name().toLowerCase(Locale.ROOT));
      if (feature.expr() != null) {
        f.put("expr", feature.expr());
      }
    }
    m.requestAliases().forEach(doc.putObject("request_aliases")::put);
    ArrayNode schema = doc.putArray("input_schema");
    m.inputSchema().forEach(c -> schema.addObject().put("name", c.name()).put("type", c.type()));
    // Derived from feature_views; written because readers of format 1 outside Treeline (notebooks, scripts) use it.
    m.entityKeys().forEach(doc.putArray("entity_keys")::add);
    doc.putObject("training_set").put("table", m.trainingSet().table()).put("delta_version", m.trainingSet().deltaVersion());
    m.trainingInputs().forEach(doc.putObject("training_inputs")::put);
    m.metrics().forEach(doc.putObject("metrics")::put);
    if (!m.monitoring().isEmpty()) {
      monitoring(doc.putObject("monitoring"), m.monitoring());
    }
    m.versions().forEach(doc.putObject("versions")::put);
    doc.put("created_at", m.createdAt().toString());
    return doc;
  }

  static ModelManifest read(byte[] json, String source) {
    JsonNode doc;
    try {
      doc = JSON.readTree(json);
    } catch (IOException e) {
      throw Errors.invalidInput("read", "the model package file " + source, "it is not JSON (" + e.getMessage().lines().findFirst().orElse("") + ")",
          REMEDY, e);
    }
    if (doc == null || !doc.isObject()) {
      throw Errors.invalidInput("read", "the model package file " + source, "it is not a JSON object", REMEDY);
    }
    JsonFields root = new JsonFields(source, doc, "");
    FormatVersion.check(root.integer("format_version"), source);
    List<FeatureViewDependency> views = new ArrayList<>();
    for (JsonFields view : root.objects("feature_views")) {
      views.add(new FeatureViewDependency(view.text("view"), view.text("offline_table"), view.strings("entities"), view.strings("features")));
    }
    List<RequestFeature> request = new ArrayList<>();
    for (JsonFields feature : root.objects("request_features")) {
      request.add(new RequestFeature(feature.text("name"), kind(feature), feature.optionalText("expr")));
    }
    List<InputColumn> schema = new ArrayList<>();
    for (JsonFields column : root.objects("input_schema")) {
      schema.add(new InputColumn(column.text("name"), column.text("type")));
    }
    JsonFields set = root.object("training_set");
    return new ModelManifest(
        root.text("pipeline"),
        root.text("run_id"),
        root.text("registered_model"),
        root.text("model_type"),
        root.number("threshold"),
        // Absent from packages whose pipeline asked for no calibration, and from every package of format version 1.
        root.has("calibration") ? calibration(root.object("calibration")) : Calibration.NONE,
        root.text("label"),
        root.text("event_time"),
        views,
        request,
        // Absent from packages trained before serving existed: they take no aliases.
        root.has("request_aliases") ? root.textMap("request_aliases") : Map.of(),
        schema,
        new TrainingSet(set.text("table"), set.integer("delta_version")),
        root.integerMap("training_inputs"),
        root.numberMap("metrics"),
        root.textMap("versions"),
        instant(root, "created_at"),
        // Absent from packages whose pipeline had no monitoring section, and from every package trained before it existed.
        root.has("monitoring") ? monitoring(root.object("monitoring")) : Monitoring.NONE);
  }

  private static void calibration(ObjectNode node, Calibration calibration) {
    node.put("method", calibration.method());
    if (calibration instanceof Calibration.Platt platt) {
      node.put("a", platt.a()).put("b", platt.b());
    } else if (calibration instanceof Calibration.Isotonic isotonic) {
      ArrayNode x = node.putArray("x");
      ArrayNode y = node.putArray("y");
      for (double v : isotonic.x()) {
        x.add(v);
      }
      for (double v : isotonic.y()) {
        y.add(v);
      }
    }
  }

  private static Calibration calibration(JsonFields node) {
    String method = node.text("method");
    try {
      return switch (method) {
        case "platt" -> new Calibration.Platt(node.number("a"), node.number("b"));
        case "isotonic" -> new Calibration.Isotonic(node.numbers("x"), node.numbers("y"));
        default -> throw node.invalid("method", "'" + method + "' is not one of platt, isotonic");
      };
    } catch (IllegalArgumentException e) {
      throw node.invalid("method", e.getMessage());
    }
  }

  // The layout of the pipeline's monitoring: section, so the two read alike; only what the pipeline gave is written.
  private static void monitoring(ObjectNode node, Monitoring m) {
    if (m.psiThreshold() != null || !m.featureThresholds().isEmpty()) {
      ObjectNode drift = node.putObject("drift");
      if (m.psiThreshold() != null) {
        drift.put("psi_threshold", m.psiThreshold());
      }
      if (!m.featureThresholds().isEmpty()) {
        m.featureThresholds().forEach(drift.putObject("feature_thresholds")::put);
      }
    }
    if (m.skewThreshold() != null) {
      node.putObject("skew").put("threshold", m.skewThreshold());
    }
    if (m.aucMargin() != null) {
      node.putObject("quality").put("auc_margin", m.aucMargin());
    }
  }

  private static Monitoring monitoring(JsonFields node) {
    JsonFields drift = node.has("drift") ? node.object("drift") : null;
    return new Monitoring(
        drift != null && drift.has("psi_threshold") ? drift.number("psi_threshold") : null,
        drift != null && drift.has("feature_thresholds") ? drift.numberMap("feature_thresholds") : Map.of(),
        node.has("skew") ? node.object("skew").number("threshold") : null,
        node.has("quality") ? node.object("quality").number("auc_margin") : null);
  }

  static InvalidInputException unreadable(String source, IOException e) {
    return Errors.invalidInput("read", "the model package file " + source, e.toString(),
        "A model package made by Treeline has it; register the model with `treeline train --register`.", e);
  }

  static final String REMEDY = "The package was not written by Treeline's model package writer, or was edited after;"
      + " train and register the model again (`treeline train --pipeline NAME --register`).";

  private static Kind kind(JsonFields feature) {
    String kind = feature.text("kind");
    try {
      return Kind.valueOf(kind.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw feature.invalid("kind", "'" + kind + "' is not one of numeric, categorical");
    }
  }

  private static Instant instant(JsonFields fields, String key) {
    String text = fields.text(key);
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException e) {
      throw fields.invalid(key, "'" + text + "' is not an ISO-8601 instant");
    }
  }
}
