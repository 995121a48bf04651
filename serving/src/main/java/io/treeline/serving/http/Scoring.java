package io.treeline.serving.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.http.Context;
import io.treeline.serving.model.ServedModel;
import io.treeline.serving.predict.Scorer;
import io.treeline.serving.request.RecordFormat;
import io.treeline.serving.tracing.RequestTrace;
import java.util.List;
import java.util.Map;

/** The scorer as the protocol adapters use it: scores, then counts the records and the store's latency. */
final class Scoring {
  static final String MODEL = "treeline.model";
  static final String VERSION = "treeline.version";
  static final String TRACE = "treeline.trace";

  private final Scorer scorer;
  private final ServingMetrics metrics;
  private final String storeKind;

  Scoring(Scorer scorer, ServingMetrics metrics, String storeKind) {
    this.scorer = scorer;
    this.metrics = metrics;
    this.storeKind = storeKind;
  }

  Scorer.Batch score(Context ctx, ServedModel model, List<Map<String, JsonNode>> records, String where, RecordFormat format, boolean explain) {
    Scorer.Batch batch = scorer.score(model, records, where, format, explain, trace(ctx));
    metrics.scored(model, records.size(), storeKind, batch.storeNanos());
    return batch;
  }

  /** Names the model and version on the request, for the metrics, access log and span written when it completes. */
  static void label(Context ctx, ServedModel model) {
    ctx.attribute(MODEL, model.name());
    ctx.attribute(VERSION, Long.toString(model.version()));
    trace(ctx).model(model.name(), model.registeredModel(), model.version());
  }

  static RequestTrace trace(Context ctx) {
    RequestTrace trace = ctx.attribute(TRACE);
    return trace == null ? RequestTrace.OFF : trace;
  }
}
