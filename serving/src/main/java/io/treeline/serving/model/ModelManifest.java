package io.treeline.serving.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a model version's {@code treeline.json} tells serving: which feature views to look up by
 * which entity keys, which request features to take or derive from the request, and the type of
 * every column the pipeline reads.
 */
public record ModelManifest(
    String pipeline,
    String modelType,
    String label,
    String eventTime,
    List<ViewLookup> views,
    List<RequestFeature> requestFeatures,
    Map<String, String> requestAliases,
    Map<String, String> inputTypes) {

  public static final String FILE = "treeline.json";

  /** A feature view the model reads: its entity key columns and the features it uses ({@code <view>__<feature>} in the model). */
  public record ViewLookup(String view, List<String> entities, List<String> features) {
    public String column(String feature) {
      return view + "__" + feature;
    }
  }

  /** A value the caller sends, or that serving derives from the request with {@code expr}. */
  public record RequestFeature(String name, boolean categorical, String expr) {}

  public boolean classifier() {
    return modelType.endsWith("classifier");
  }

  public static ModelManifest read(Path packageDir) {
    Path file = packageDir.resolve(FILE);
    JsonNode doc;
    try {
      doc = new ObjectMapper().readTree(Files.readString(file));
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + file + ": " + e.getMessage()
          + " (a model package made by Treeline has it; register the model with treeline train --register)", e);
    }
    List<ViewLookup> views = new ArrayList<>();
    for (JsonNode view : doc.path("feature_views")) {
      views.add(new ViewLookup(view.path("view").asText(), strings(view.path("entities")), strings(view.path("features"))));
    }
    List<RequestFeature> request = new ArrayList<>();
    for (JsonNode feature : doc.path("request_features")) {
      request.add(new RequestFeature(feature.path("name").asText(), "categorical".equals(feature.path("kind").asText()),
          feature.hasNonNull("expr") ? feature.path("expr").asText() : null));
    }
    Map<String, String> aliases = new LinkedHashMap<>();
    doc.path("request_aliases").fields().forEachRemaining(e -> aliases.put(e.getKey(), e.getValue().asText()));
    Map<String, String> types = new LinkedHashMap<>();
    for (JsonNode column : doc.path("input_schema")) {
      types.put(column.path("name").asText(), column.path("type").asText());
    }
    return new ModelManifest(doc.path("pipeline").asText(), doc.path("model_type").asText(), doc.path("label").asText(),
        doc.path("event_time").asText(), List.copyOf(views), List.copyOf(request), Map.copyOf(aliases), types);
  }

  private static List<String> strings(JsonNode array) {
    List<String> values = new ArrayList<>();
    array.forEach(v -> values.add(v.asText()));
    return List.copyOf(values);
  }
}
