package io.treeline.serving.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.http.Context;
import io.treeline.serving.api.ApiException;
import io.treeline.serving.api.Quoted;
import io.treeline.serving.model.ModelHost;
import io.treeline.serving.model.Route;
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
    Route route = host.route(ctx.pathParam("name"));
    String version = ctx.pathParamMap().get("version");
    if (version != null) {
      route.version(version); // a version not served is 404 before the body is read
    }
    BinaryTensors.Request request = BinaryTensors.split(body(ctx), ctx.header(BinaryTensors.HEADER_LENGTH));
    JsonNode body = Bodies.requireObject(Bodies.json(request.header()), "the body");
    for (Iterator<String> names = body.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!Set.of("id", "parameters", "inputs", "outputs").contains(name)) {
        throw ApiException.invalidField("the body has the unknown key '" + Quoted.cut(name) + "': an inference request has id, parameters, inputs and outputs");
      }
    }
    List<Map<String, JsonNode>> records = records(Bodies.requireArray(body.get("inputs"), "'inputs'"), request.tensors());
    Bodies.requireBatch(records.size(), options.maxBatch(), "the input tensors");
    Exchange ex = JavalinExchange.of(ctx);
    ServedModel model = scoring.pick(ex, route, records, version);
    List<String> outputs = outputs(model, body.get("outputs"));
    Set<String> binary = binaryOutputs(body, outputs);
    Scorer.Batch batch = scoring.score(ex, model, records, "inputs row", RecordFormat.JSON, false);
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
    if (route.arms() > 1) {
      response.put("parameters", Map.of("arm", model.arm())); // the protocol's place for what it does not name
    }
    if (body.hasNonNull("id")) {
      response.put("id", body.get("id").asText());
    }
    List<Map<String, Object>> tensors = new ArrayList<>();
    java.io.ByteArrayOutputStream appended = new java.io.ByteArrayOutputStream();
    int classes = width;
    columns.forEach((name, values) -> {
      Map<String, Object> tensor = new LinkedHashMap<>();
      tensor.put("name", name);
      tensor.put("shape", name.equals("probability") && classes > 1 ? List.of(records.size(), classes) : List.of(records.size()));
      tensor.put("datatype", "FP64");
      if (binary.contains(name)) {
        byte[] bytes = BinaryTensors.fp64(values);
        tensor.put("parameters", Map.of("binary_data_size", bytes.length));
        appended.writeBytes(bytes);
      } else {
        tensor.put("data", values);
      }
      tensors.add(tensor);
    });
    response.put("outputs", tensors);
    if (binary.isEmpty()) {
      Bodies.write(ctx, 200, response);
    } else {
      byte[] header = Bodies.bytes(response);
      ctx.status(200).contentType("application/octet-stream").header(BinaryTensors.HEADER_LENGTH, Integer.toString(header.length));
      ctx.result(concat(header, appended.toByteArray()));
    }
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] all = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, all, a.length, b.length);
    return all;
  }

  /**
   * The body of an inference request. Triton's and KServe's clients send JSON without a Content-Type,
   * and binary tensors after it; so no type, JSON or octet-stream are all read (and a {@code curl -d} form label on a JSON object).
   */
  private byte[] body(Context ctx) {
    Exchange ex = JavalinExchange.of(ctx);
    String type = Bodies.mediaType(ex);
    boolean form = type.equals("application/x-www-form-urlencoded");
    if (!form && !Set.of("", "application/json", "application/octet-stream").contains(type)) {
      throw ApiException.unsupportedMediaType("Content-Type '" + Quoted.cut(type) + "' is not accepted here: send the inference request as"
          + " JSON (application/json, or no Content-Type), with binary tensors after it as the binary data extension has them");
    }
    byte[] body = Bodies.read(ex, options.maxBodyBytes());
    if (form && ctx.header(BinaryTensors.HEADER_LENGTH) == null && !Bodies.startsWithBrace(body)) {
      throw ApiException.unsupportedMediaType("Content-Type 'application/x-www-form-urlencoded' is not accepted here: send the inference request as JSON");
    }
    return body;
  }

  /** Outputs asked for as binary: each with parameters.binary_data, or all with the request's parameters.binary_data_output. */
  private static Set<String> binaryOutputs(JsonNode body, List<String> outputs) {
    Set<String> binary = new HashSet<>();
    boolean all = body.path("parameters").path("binary_data_output").asBoolean(false);
    JsonNode requested = body.get("outputs");
    for (String name : outputs) {
      boolean asked = all;
      if (requested != null) {
        for (JsonNode output : requested) {
          if (output.path("name").asText("").equals(name) && output.path("parameters").has("binary_data")) {
            asked = output.path("parameters").path("binary_data").asBoolean(false);
          }
        }
      }
      if (asked) {
        binary.add(name);
      }
    }
    return binary;
  }

  /** The model named in the path, and the version if the path names one: a version not served is 404 naming the one that is. */
  private ServedModel model(Context ctx) {
    Route route = host.route(ctx.pathParam("name"));
    String version = ctx.pathParamMap().get("version");
    return version != null ? route.version(version) : route.first();
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
  private static List<Map<String, JsonNode>> records(JsonNode inputs, BinaryTensors binary) {
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
      JsonNode shape = Bodies.requireArray(tensor.get("shape"), "the shape of input tensor '" + Quoted.cut(name) + "'");
      long elements = 1;
      for (JsonNode dimension : shape) {
        elements *= Math.max(-1, Math.min(dimension.asLong(-1), Integer.MAX_VALUE));
      }
      List<JsonNode> data = new ArrayList<>();
      JsonNode binarySize = tensor.path("parameters").get("binary_data_size");
      if (binarySize != null) {
        if (tensor.has("data")) {
          throw ApiException.invalidField("the input tensor '" + Quoted.cut(name) + "' has both 'data' and parameters.binary_data_size: send one");
        }
        if (!binarySize.canConvertToLong() || elements < 0) {
          throw ApiException.invalidField("the input tensor '" + Quoted.cut(name) + "' has binary_data_size " + Quoted.cut(binarySize.toString())
              + " and shape " + Quoted.cut(shape.toString()) + ": give the size in bytes and a shape of non-negative numbers");
        }
        data.addAll(binary.next(name, datatype, binarySize.asLong(), elements));
      } else {
        flatten(Bodies.requireArray(tensor.get("data"), "the data of input tensor '" + Quoted.cut(name) + "'"), data);
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
    binary.requireConsumed();
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
    ServedModel model = model(ctx);
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
    ServedModel model = model(ctx);
    Bodies.write(ctx, 200, Map.of("name", model.name(), "ready", true));
  }
}
