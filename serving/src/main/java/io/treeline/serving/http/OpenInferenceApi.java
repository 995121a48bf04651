package io.treeline.serving.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.http.Context;
import io.treeline.serving.api.ApiException;
import io.treeline.serving.api.Quoted;
import io.treeline.serving.model.ModelHost;
import io.treeline.serving.model.ServedModel;
import io.treeline.serving.predict.Scorer;
import io.treeline.serving.request.RecordFormat;
import io.treeline.serving.request.FieldType;
import io.treeline.serving.request.RequestField;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The Open Inference Protocol v2 (KServe, Triton, Seldon): one input tensor per request field,
 * shape {@code [n]} or {@code [n, 1]}, strings and timestamps as BYTES, numbers as FP64 (or any
 * numeric type); outputs {@code label} and {@code probability} (classifier) or {@code value}.
 */
final class OpenInferenceApi {
  private static final Set<String> NUMERIC = Set.of("FP16", "FP32", "FP64", "INT8", "INT16", "INT32", "INT64", "UINT8", "UINT16", "UINT32", "UINT64");

  private final ModelHost host;
  private final Scoring scoring;
  private final ServerOptions options;

  OpenInferenceApi(ModelHost host, Scoring scoring, ServerOptions options) {
    this.host = host;
    this.scoring = scoring;
    this.options = options;
  }

  void infer(Context ctx) {
    ServedModel model = host.get(ctx.pathParam("name"));
    Scoring.label(ctx, model);
    JsonNode body = Bodies.requireObject(Bodies.jsonBody(ctx, options.maxBodyBytes()), "the body");
    for (Iterator<String> names = body.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!Set.of("id", "parameters", "inputs", "outputs").contains(name)) {
        throw ApiException.invalidField("the body has the unknown key '" + Quoted.cut(name) + "': an inference request has id, parameters, inputs and outputs");
      }
    }
    List<Map<String, JsonNode>> records = records(Bodies.requireArray(body.get("inputs"), "'inputs'"));
    Bodies.requireBatch(records.size(), options.maxBatch(), "the input tensors");
    List<String> outputs = outputs(model, body.get("outputs"));
    Scorer.Batch batch = scoring.score(ctx, model, records, "inputs row", RecordFormat.JSON, false);
    Map<String, List<Double>> columns = new LinkedHashMap<>();
    outputs.forEach(name -> columns.put(name, new ArrayList<>()));
    int width = 1;
    for (Scorer.Scored scored : batch.results()) {
      double[] probability = scored.prediction().probability();
      for (Map.Entry<String, List<Double>> column : columns.entrySet()) {
        if (!column.getKey().equals("probability")) {
          column.getValue().add(scored.prediction().prediction());
        } else if (probability.length == 2) {
          column.getValue().add(probability[1]); // of the positive class, as /v1 answers
        } else {
          width = probability.length; // one row of class probabilities per record
          for (double p : probability) {
            column.getValue().add(p);
          }
        }
      }
    }
    Map<String, Object> response = new LinkedHashMap<>();
    response.put("model_name", model.name());
    response.put("model_version", Long.toString(model.version()));
    if (body.hasNonNull("id")) {
      response.put("id", body.get("id").asText());
    }
    List<Map<String, Object>> tensors = new ArrayList<>();
    int classes = width;
    columns.forEach((name, values) -> tensors.add(tensor(name, values,
        name.equals("probability") && classes > 1 ? List.of(records.size(), classes) : List.of(records.size()))));
    response.put("outputs", tensors);
    Bodies.write(ctx, 200, response);
  }

  private static Map<String, Object> tensor(String name, List<Double> values, List<Integer> shape) {
    Map<String, Object> tensor = new LinkedHashMap<>();
    tensor.put("name", name);
    tensor.put("shape", shape);
    tensor.put("datatype", "FP64");
    tensor.put("data", values);
    return tensor;
  }

  private static List<String> outputNames(ServedModel model) {
    return model.classifier() ? List.of("label", "probability") : List.of("value");
  }

  private static List<String> outputs(ServedModel model, JsonNode requested) {
    if (requested == null) {
      return outputNames(model);
    }
    Bodies.requireArray(requested, "'outputs'");
    List<String> names = new ArrayList<>();
    for (JsonNode output : requested) {
      String name = Bodies.requireObject(output, "an item of 'outputs'").path("name").asText("");
      if (!outputNames(model).contains(name)) {
        throw ApiException.invalidField("the output '" + Quoted.cut(name) + "' does not exist; this model has " + String.join(", ", outputNames(model)));
      }
      names.add(name);
    }
    return names;
  }

  /** Tensors, one per field, turned into records: row i takes element i of every tensor. */
  private static List<Map<String, JsonNode>> records(JsonNode inputs) {
    List<Map<String, JsonNode>> records = null;
    Set<String> seen = new HashSet<>();
    for (int t = 0; t < inputs.size(); t++) {
      JsonNode tensor = Bodies.requireObject(inputs.get(t), "inputs[" + t + "]");
      String name = tensor.path("name").asText("");
      if (name.isEmpty()) {
        throw ApiException.invalidField("inputs[" + t + "] has no name: name each tensor after a model input");
      }
      if (!seen.add(name)) {
        throw ApiException.invalidField("the input tensor '" + Quoted.cut(name) + "' is given twice");
      }
      String datatype = tensor.path("datatype").asText("");
      if (!datatype.equals("BYTES") && !NUMERIC.contains(datatype)) {
        throw ApiException.invalidField("the input tensor '" + Quoted.cut(name) + "' has datatype '" + Quoted.cut(datatype) + "': use BYTES for strings and times, FP64 for numbers");
      }
      List<JsonNode> data = new ArrayList<>();
      flatten(Bodies.requireArray(tensor.get("data"), "the data of input tensor '" + name + "'"), data);
      JsonNode shape = Bodies.requireArray(tensor.get("shape"), "the shape of input tensor '" + name + "'");
      long elements = 1;
      for (JsonNode dimension : shape) {
        elements *= dimension.asLong(-1);
      }
      if (shape.isEmpty() || shape.size() > 2 || (shape.size() == 2 && shape.get(1).asLong() != 1) || elements != data.size()) {
        throw ApiException.invalidField("the input tensor '" + Quoted.cut(name) + "' has shape " + Quoted.cut(shape.toString()) + " and " + data.size()
            + " values: use shape [n] (or [n, 1]) with n values, one per record");
      }
      for (int i = 0; i < data.size(); i++) {
        JsonNode value = data.get(i);
        if (datatype.equals("BYTES") ? !value.isTextual() : !value.isNumber()) {
          throw ApiException.invalidField("the input tensor '" + Quoted.cut(name) + "' is " + datatype + " but its value " + i + " is " + Bodies.kind(value));
        }
      }
      if (records == null) {
        records = new ArrayList<>();
        for (int i = 0; i < data.size(); i++) {
          records.add(new LinkedHashMap<>());
        }
      } else if (data.size() != records.size()) {
        throw ApiException.invalidField("the input tensor '" + Quoted.cut(name) + "' has " + data.size() + " values, the first tensor " + records.size()
            + ": every tensor holds one value per record");
      }
      for (int i = 0; i < data.size(); i++) {
        records.get(i).put(name, data.get(i));
      }
    }
    if (records == null) {
      throw ApiException.invalidField("'inputs' is empty: send one tensor per request field");
    }
    return records;
  }

  private static void flatten(JsonNode array, List<JsonNode> into) {
    for (JsonNode item : array) {
      if (item.isArray()) {
        flatten(item, into);
      } else {
        into.add(item);
      }
    }
  }

  void modelMetadata(Context ctx) {
    ServedModel model = host.get(ctx.pathParam("name"));
    List<Map<String, Object>> inputs = new ArrayList<>();
    for (RequestField field : model.plan().fields().values()) {
      inputs.add(Map.of("name", field.name(), "datatype", field.type() == FieldType.NUMBER ? "FP64" : "BYTES", "shape", List.of(-1)));
    }
    model.plan().aliases().forEach((alias, column) -> inputs.add(Map.of("name", alias,
        "datatype", model.plan().fields().get(column).type() == FieldType.NUMBER ? "FP64" : "BYTES", "shape", List.of(-1),
        "parameters", Map.of("alias_of", column))));
    List<Map<String, Object>> outputs = new ArrayList<>();
    for (String name : outputNames(model)) {
      outputs.add(Map.of("name", name, "datatype", "FP64", "shape", List.of(-1)));
    }
    Map<String, Object> metadata = new LinkedHashMap<>();
    metadata.put("name", model.name());
    metadata.put("versions", List.of(Long.toString(model.version())));
    metadata.put("platform", "treeline_spark_pipeline");
    metadata.put("inputs", inputs);
    metadata.put("outputs", outputs);
    Bodies.write(ctx, 200, metadata);
  }

  void modelReady(Context ctx) {
    ServedModel model = host.get(ctx.pathParam("name"));
    Bodies.write(ctx, 200, Map.of("name", model.name(), "ready", true));
  }
}
