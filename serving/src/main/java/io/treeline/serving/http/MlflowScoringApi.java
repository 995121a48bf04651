package io.treeline.serving.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.javalin.http.Context;
import io.treeline.serving.api.ApiException;
import io.treeline.serving.api.Quoted;
import io.treeline.serving.model.ModelHost;
import io.treeline.serving.model.Route;
import io.treeline.serving.model.ServedModel;
import io.treeline.serving.predict.Scorer;
import io.treeline.serving.request.RecordFormat;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * MLflow's scoring protocol, as {@code mlflow models serve} speaks it, for the first served model:
 * {@code POST /invocations} with {@code dataframe_split}, {@code dataframe_records},
 * {@code instances} or {@code inputs} as JSON, or a CSV table; the answer is
 * {@code {"predictions": [...]}} holding what the Spark flavor predicts (the label, or the value). As
 * with {@code mlflow models serve}, null and NaN are missing values the model imputes; a column not sent
 * at all is looked up as /v1 does.
 */
final class MlflowScoringApi {
  private static final Set<String> FORMATS = Set.of("dataframe_split", "dataframe_records", "instances", "inputs");

  private final ModelHost host;
  private final Scoring scoring;
  private final ServerOptions options;

  MlflowScoringApi(ModelHost host, Scoring scoring, ServerOptions options) {
    this.host = host;
    this.scoring = scoring;
    this.options = options;
  }

  void invocations(Context ctx) {
    Route route = host.firstRoute();
    Exchange ex = JavalinExchange.of(ctx);
    String type = Bodies.mediaType(ex);
    List<Map<String, JsonNode>> records;
    RecordFormat format;
    if (type.equals("application/json")) {
      records = json(Bodies.json(Bodies.read(ex, options.maxBodyBytes()), Bodies.PANDAS_JSON));
      format = RecordFormat.PANDAS_JSON;
    } else if (type.equals("text/csv")) {
      records = Csv.records(Utf8.csv(Bodies.read(ex, options.maxBodyBytes())));
      format = RecordFormat.PANDAS_CSV;
    } else {
      throw ApiException.unsupportedMediaType("Content-Type " + (type.isEmpty() ? "is missing" : "'" + type + "' is not accepted")
          + ": /invocations takes 'application/json' (dataframe_split, dataframe_records, instances or inputs) or 'text/csv'");
    }
    Bodies.requireBatch(records.size(), options.maxBatch(), "the input");
    ServedModel model = scoring.pick(ex, route, records);
    Scorer.Batch batch = scoring.score(ex, model, records, "row", format, false);
    List<Object> predictions = new ArrayList<>(batch.results().size());
    for (Scorer.Scored scored : batch.results()) {
      predictions.add(scored.prediction().prediction());
    }
    Bodies.write(ex, 200, Map.of("predictions", predictions));
  }

  private static List<Map<String, JsonNode>> json(JsonNode body) {
    Bodies.requireObject(body, "the body");
    String format = null;
    for (Iterator<String> names = body.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (name.equals("params")) {
        if (!body.get(name).isEmpty()) {
          throw ApiException.invalidField("'params' is not empty, but this model takes no inference parameters: leave it out");
        }
      } else if (!FORMATS.contains(name)) {
        throw ApiException.invalidField("the body has the unknown key '" + Quoted.cut(name) + "': send one of dataframe_split, dataframe_records, instances, inputs");
      } else if (format != null) {
        throw ApiException.invalidField("the body has both '" + format + "' and '" + name + "': send exactly one input format");
      } else {
        format = name;
      }
    }
    if (format == null) {
      throw ApiException.invalidField("the body has no input: send one of dataframe_split, dataframe_records, instances, inputs");
    }
    JsonNode input = body.get(format);
    return switch (format) {
      case "dataframe_split" -> split(input);
      case "inputs" -> input.isObject() ? columns(input, "inputs") : records(input, "inputs");
      default -> records(input, format);
    };
  }

  private static List<Map<String, JsonNode>> records(JsonNode array, String where) {
    Bodies.requireArray(array, "'" + where + "'");
    List<Map<String, JsonNode>> records = new ArrayList<>(array.size());
    for (int i = 0; i < array.size(); i++) {
      if (!array.get(i).isObject()) {
        throw ApiException.invalidField("'" + where + "'[" + i + "] must be an object of column names to values, got " + Bodies.kind(array.get(i)));
      }
      records.add(Bodies.record(array.get(i), where + "[" + i + "]"));
    }
    return records;
  }

  /** pandas' "split" orientation: column names once, then rows of values. */
  private static List<Map<String, JsonNode>> split(JsonNode split) {
    Bodies.requireObject(split, "'dataframe_split'");
    for (Iterator<String> names = split.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!Set.of("columns", "data", "index").contains(name)) {
        throw ApiException.invalidField("'dataframe_split' has the unknown key '" + Quoted.cut(name) + "': it takes columns, data and index");
      }
    }
    JsonNode columns = Bodies.requireArray(split.get("columns"), "'dataframe_split.columns'");
    JsonNode data = Bodies.requireArray(split.get("data"), "'dataframe_split.data'");
    List<String> names = new ArrayList<>();
    for (JsonNode column : columns) {
      if (!column.isTextual()) {
        throw ApiException.invalidField("'dataframe_split.columns' must hold column names as strings, got " + Bodies.kind(column));
      }
      names.add(column.asText());
    }
    List<Map<String, JsonNode>> records = new ArrayList<>(data.size());
    for (int i = 0; i < data.size(); i++) {
      JsonNode row = data.get(i);
      if (!row.isArray() || row.size() != names.size()) {
        throw ApiException.invalidField("'dataframe_split.data'[" + i + "] must be an array of " + names.size() + " values (one per column), got "
            + (row.isArray() ? row.size() + " values" : Bodies.kind(row)));
      }
      Map<String, JsonNode> record = new LinkedHashMap<>();
      for (int c = 0; c < names.size(); c++) {
        record.put(names.get(c), row.get(c));
      }
      records.add(record);
    }
    return records;
  }

  /** {"inputs": {"column": [values...], ...}}: columns of equal length. */
  private static List<Map<String, JsonNode>> columns(JsonNode inputs, String where) {
    List<Map<String, JsonNode>> records = null;
    for (Iterator<Map.Entry<String, JsonNode>> it = inputs.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> column = it.next();
      JsonNode values = Bodies.requireArray(column.getValue(), "'" + where + "." + Quoted.cut(column.getKey()) + "'");
      if (records == null) {
        records = new ArrayList<>();
        for (int i = 0; i < values.size(); i++) {
          records.add(new LinkedHashMap<>());
        }
      } else if (values.size() != records.size()) {
        throw ApiException.invalidField("'" + where + "." + column.getKey() + "' has " + values.size() + " values, the first column "
            + records.size() + ": send columns of equal length");
      }
      for (int i = 0; i < values.size(); i++) {
        records.get(i).put(column.getKey(), values.get(i));
      }
    }
    return records == null ? List.of() : records;
  }

  /** A header row and comma-separated rows, quotes as RFC 4180 has them; an empty cell leaves the field out. */
  static final class Csv {
    private Csv() {}

    static List<Map<String, JsonNode>> records(String text) {
      List<List<String>> rows = parse(text);
      if (rows.isEmpty()) {
        throw ApiException.malformed("the CSV body is empty: send a header row of column names, then one row per record");
      }
      List<String> header = rows.get(0);
      java.util.Set<String> seen = new java.util.HashSet<>();
      for (String column : header) {
        if (!seen.add(column)) {
          throw ApiException.invalidField("the CSV header names the column '" + Quoted.cut(column) + "' twice: name each column once");
        }
      }
      List<Map<String, JsonNode>> records = new ArrayList<>();
      for (int r = 1; r < rows.size(); r++) {
        List<String> row = rows.get(r);
        if (row.size() != header.size()) {
          throw ApiException.invalidField("CSV row " + r + " has " + row.size() + " cells, the header " + header.size());
        }
        Map<String, JsonNode> record = new LinkedHashMap<>();
        for (int c = 0; c < header.size(); c++) {
          // pandas writes a missing value as an empty cell
          record.put(header.get(c), row.get(c).isEmpty() ? NullNode.getInstance() : TextNode.valueOf(row.get(c)));
        }
        records.add(record);
      }
      return records;
    }

    private static List<List<String>> parse(String text) {
      List<List<String>> rows = new ArrayList<>();
      List<String> row = new ArrayList<>();
      StringBuilder cell = new StringBuilder();
      boolean quoted = false;
      boolean any = false;
      for (int i = 0; i < text.length(); i++) {
        char c = text.charAt(i);
        if (quoted) {
          if (c == '"' && i + 1 < text.length() && text.charAt(i + 1) == '"') {
            cell.append('"');
            i++;
          } else if (c == '"') {
            quoted = false;
          } else {
            cell.append(c);
          }
        } else if (c == '"') {
          quoted = true;
          any = true;
        } else if (c == ',') {
          row.add(cell.toString());
          cell.setLength(0);
          any = true;
        } else if (c == '\n' || c == '\r') {
          if (c == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') {
            i++;
          }
          if (any || cell.length() > 0) {
            row.add(cell.toString());
            rows.add(row);
          }
          row = new ArrayList<>();
          cell.setLength(0);
          any = false;
        } else {
          cell.append(c);
          any = true;
        }
      }
      if (quoted) {
        throw ApiException.malformed("the CSV body ends inside a quoted cell: close the quote");
      }
      if (any || cell.length() > 0) {
        row.add(cell.toString());
        rows.add(row);
      }
      return rows;
    }
  }
}
