package io.treeline.serving.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.http.Context;
import io.treeline.serving.api.ApiException;
import io.treeline.serving.api.Quoted;
import io.treeline.serving.compile.Prediction;
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

  void predict(Context ctx) {
    Route route = host.route(ctx.pathParam("name"));
    boolean explain = explain(QueryParameters.strict(ctx.queryString()).get("explain"));
    JsonNode body = Bodies.requireObject(Bodies.jsonBody(ctx, options.maxBodyBytes()), "the body");
    for (Iterator<String> names = body.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!name.equals("records")) {
        throw ApiException.invalidField("the body has the unknown key '" + name + "': send {\"records\": [{...}, ...]}");
      }
    }
    JsonNode records = Bodies.requireArray(body.get("records"), "'records'");
    Bodies.requireBatch(records.size(), options.maxBatch(), "'records'");
    List<Map<String, JsonNode>> parsed = new ArrayList<>(records.size());
    for (int i = 0; i < records.size(); i++) {
      parsed.add(Bodies.record(records.get(i), "records[" + i + "]"));
    }
    ServedModel model = scoring.pick(ctx, route, parsed);
    Scorer.Batch batch = scoring.score(ctx, model, parsed, "records", RecordFormat.JSON, explain);
    List<Map<String, Object>> predictions = new ArrayList<>(batch.results().size());
    for (Scorer.Scored scored : batch.results()) {
      Map<String, Object> out = prediction(model, scored.prediction());
      if (scored.features() != null) {
        out.put("features", scored.features());
      }
      predictions.add(out);
    }
    Map<String, Object> response = new LinkedHashMap<>();
    response.put("model", model.name());
    response.put("registered_model", model.registeredModel());
    response.put("version", model.version());
    response.put("arm", model.arm());
    response.put("predictions", predictions);
    Bodies.write(ctx, 200, response);
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

  static Map<String, Object> prediction(ServedModel model, Prediction prediction) {
    Map<String, Object> out = new LinkedHashMap<>();
    if (model.classifier()) {
      out.put("label", prediction.prediction());
      double[] probability = prediction.probability();
      if (probability.length == 2) {
        out.put("probability", probability[1]);
      } else {
        out.put("probabilities", probability);
      }
    } else {
      out.put("value", prediction.prediction());
    }
    return out;
  }
}
