package io.treeline.serving.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.http.Context;
import io.treeline.serving.model.ServedModel;
import io.treeline.serving.predict.Scorer;
import java.util.List;
import java.util.Map;

/** The scorer as the protocol adapters use it: scores, then counts the records and the store's latency. */
final class Scoring {
  static final String MODEL = "treeline.model";
  static final String VERSION = "treeline.version";

  private final Scorer scorer;
  private final ServingMetrics metrics;
  private final String storeKind;

  Scoring(Scorer scorer, ServingMetrics metrics, String storeKind) {
    this.scorer = scorer;
    this.metrics = metrics;
    this.storeKind = storeKind;
  }

  Scorer.Batch score(ServedModel model, List<Map<String, JsonNode>> records, String where, boolean text, boolean explain) {
    Scorer.Batch batch = scorer.score(model, records, where, text, explain);
    metrics.scored(model, records.size(), storeKind, batch.storeNanos());
    return batch;
  }

  /** Names the model and version on the request, for the metrics written when it completes. */
  static void label(Context ctx, ServedModel model) {
    ctx.attribute(MODEL, model.name());
    ctx.attribute(VERSION, Long.toString(model.version()));
  }
}
