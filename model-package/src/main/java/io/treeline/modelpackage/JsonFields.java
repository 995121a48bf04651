package io.treeline.modelpackage;

import com.fasterxml.jackson.databind.JsonNode;
import io.treeline.core.error.Errors;
import io.treeline.core.error.InvalidInputException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One JSON object of {@code treeline.json} read key by key, so that a missing or mistyped key is
 * refused with the file and the key's full path ({@code feature_views[1].entities}) rather than
 * read as an empty string or zero.
 */
final class JsonFields {
  private final String source;
  private final JsonNode node;
  private final String path;

  JsonFields(String source, JsonNode node, String path) {
    this.source = source;
    this.node = node;
    this.path = path;
  }

  boolean has(String key) {
    return node.hasNonNull(key);
  }

  String text(String key) {
    JsonNode value = required(key);
    if (!value.isTextual()) {
      throw invalid(key, "it is " + value.getNodeType().name().toLowerCase() + ", not a string");
    }
    return value.asText();
  }

  String optionalText(String key) {
    return has(key) ? text(key) : null;
  }

  long integer(String key) {
    JsonNode value = required(key);
    if (!value.isIntegralNumber()) {
      throw invalid(key, "'" + value + "' is not a whole number");
    }
    return value.asLong();
  }

  double number(String key) {
    return number(key, required(key));
  }

  List<String> strings(String key) {
    List<String> values = new ArrayList<>();
    int i = 0;
    for (JsonNode value : array(key)) {
      if (!value.isTextual()) {
        throw invalid(key + "[" + i + "]", "it is " + value.getNodeType().name().toLowerCase() + ", not a string");
      }
      values.add(value.asText());
      i++;
    }
    return values;
  }

  double[] numbers(String key) {
    List<Double> values = new ArrayList<>();
    int i = 0;
    for (JsonNode value : array(key)) {
      values.add(number(key + "[" + i++ + "]", value));
    }
    return values.stream().mapToDouble(Double::doubleValue).toArray();
  }

  List<JsonFields> objects(String key) {
    List<JsonFields> objects = new ArrayList<>();
    int i = 0;
    for (JsonNode value : array(key)) {
      String at = key + "[" + i++ + "]";
      if (!value.isObject()) {
        throw invalid(at, "it is not an object");
      }
      objects.add(new JsonFields(source, value, path + at + "."));
    }
    return objects;
  }

  JsonFields object(String key) {
    JsonNode value = required(key);
    if (!value.isObject()) {
      throw invalid(key, "it is not an object");
    }
    return new JsonFields(source, value, path + key + ".");
  }

  Map<String, String> textMap(String key) {
    JsonFields object = object(key);
    Map<String, String> map = new LinkedHashMap<>();
    object.node.fieldNames().forEachRemaining(name -> map.put(name, object.text(name)));
    return map;
  }

  Map<String, Long> integerMap(String key) {
    JsonFields object = object(key);
    Map<String, Long> map = new LinkedHashMap<>();
    object.node.fieldNames().forEachRemaining(name -> map.put(name, object.integer(name)));
    return map;
  }

  Map<String, Double> numberMap(String key) {
    JsonFields object = object(key);
    Map<String, Double> map = new LinkedHashMap<>();
    object.node.fields().forEachRemaining(e -> map.put(e.getKey(), object.number(e.getKey(), e.getValue())));
    return map;
  }

  InvalidInputException invalid(String key, String reason) {
    return Errors.invalidInput("read", "the model package file " + source, "key '" + path + key + "' is invalid: " + reason,
        ManifestJson.REMEDY);
  }

  private double number(String key, JsonNode value) {
    if (value.isNumber()) {
      return value.asDouble();
    }
    // Jackson writes NaN and the infinities as strings (a metric such as lift can be NaN).
    if (value.isTextual() && List.of("NaN", "Infinity", "-Infinity").contains(value.asText())) {
      return Double.parseDouble(value.asText());
    }
    throw invalid(key, "'" + value + "' is not a number");
  }

  private Iterable<JsonNode> array(String key) {
    JsonNode value = required(key);
    if (!value.isArray()) {
      throw invalid(key, "it is not a list");
    }
    return value;
  }

  private JsonNode required(String key) {
    if (!node.hasNonNull(key)) {
      throw Errors.invalidInput("read", "the model package file " + source, "the required key '" + path + key + "' is missing",
          ManifestJson.REMEDY);
    }
    return node.get(key);
  }
}
