package io.treeline.serving.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.treeline.serving.api.ApiException;
import io.treeline.serving.api.Quoted;
import io.treeline.serving.model.ModelHost;
import io.treeline.serving.model.Route;
import io.treeline.serving.model.ServedModel;
import io.treeline.serving.predict.Scorer;
import io.treeline.serving.request.RecordFormat;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/** {@code POST /v1/models/{name}/predict}: records in, a label and probability (or a value) per record out. */
final class NativeApi {
  private final ModelHost host;
  private final Scoring scoring;
  private final ServerOptions options;

  NativeApi(ModelHost host, Scoring scoring, ServerOptions options) {
    this.host = host;
    this.scoring = scoring;
    this.options = options;
  }

  /** Answers one request to the model route {@code name}; {@code query} is the raw query string, or null. */
  void predict(Exchange ex, String name, String query) {
    Route route = host.route(name);
    boolean explain = explain(QueryParameters.strict(query).get("explain"));
    BodyBuffer body = Bodies.jsonBytes(ex, options.maxBodyBytes());
    boolean record = scoring.sampled();
    ServedModel model = scoring.armBeforeReading(ex, route);
    NativeRecords.Read read = model == null ? null : NativeRecords.read(body, model.plan(), options.maxBatch(), scoring.readAgain(route, record));
    Scorer.Batch batch;
    if (read != null) {
      scoring.chosen(ex, route, model);
      batch = scoring.scoreRead(ex, route, model, read, body, explain, record);
    } else {
      List<Map<String, JsonNode>> records = records(Bodies.json(body.copy()), options.maxBatch());
      if (model == null) {
        model = scoring.pick(ex, route, records);
      } else {
        scoring.chosen(ex, route, model); // picked before reading: the same arm, whichever way the body is read
      }
      batch = scoring.score(ex, model, records, "records", RecordFormat.JSON, explain, record);
    }
    NativeAnswer.write(ex, model, batch);
  }

  /** The body read as a tree: every refusal of a body that is not {"records": [{...}, ...]} is made here. */
  static List<Map<String, JsonNode>> records(JsonNode body, int maxBatch) {
    Bodies.requireObject(body, "the body");
    for (Iterator<String> names = body.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!name.equals("records")) {
        throw ApiException.invalidField("the body has the unknown key '" + name + "': send {\"records\": [{...}, ...]}");
      }
    }
    JsonNode records = Bodies.requireArray(body.get("records"), "'records'");
    Bodies.requireBatch(records.size(), maxBatch, "'records'");
    List<Map<String, JsonNode>> parsed = new ArrayList<>(records.size());
    for (int i = 0; i < records.size(); i++) {
      parsed.add(Bodies.record(records.get(i), "records[" + i + "]"));
    }
    return parsed;
  }

  private static boolean explain(String value) {
    if (value == null || value.equals("false")) {
      return false;
    }
    if (value.equals("true")) {
      return true;
    }
    throw ApiException.invalidField("the query parameter explain is '" + Quoted.cut(value) + "': use explain=true or explain=false");
  }
}
