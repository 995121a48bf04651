package io.treeline.serving.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.http.Context;
import io.treeline.serving.inference.InferenceLog;
import io.treeline.serving.inference.InferenceRecord;
import io.treeline.serving.model.ServedModel;
import io.treeline.serving.predict.Scorer;
import io.treeline.serving.request.RecordFormat;
import io.treeline.serving.request.RequestPlan;
import io.treeline.serving.tracing.RequestTrace;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The scorer as the protocol adapters use it: scores, then counts the records and the store's
 * latency; for a request the inference log samples, keeps what it needs to record the request once
 * it has been answered.
 */
final class Scoring {
  static final String MODEL = "treeline.model";
  static final String VERSION = "treeline.version";
  static final String TRACE = "treeline.trace";
  private static final String TO_RECORD = "treeline.inference_log";

  private final Scorer scorer;
  private final ServingMetrics metrics;
  private final String storeKind;
  private final InferenceLog log;

  Scoring(Scorer scorer, ServingMetrics metrics, String storeKind, InferenceLog log) {
    this.scorer = scorer;
    this.metrics = metrics;
    this.storeKind = storeKind;
    this.log = log;
  }

  /** A sampled request's scored records, waiting for the answer (and its latency). */
  private record Scored(ServedModel model, String route, List<Map<String, JsonNode>> records, List<Scorer.Scored> results) {}

  Scorer.Batch score(Context ctx, ServedModel model, List<Map<String, JsonNode>> records, String where, RecordFormat format, boolean explain) {
    boolean record = log.sampled();
    Scorer.Batch batch = scorer.score(model, records, where, format, explain, record, trace(ctx));
    metrics.scored(model, records.size(), storeKind, batch.storeNanos());
    if (record) {
      ctx.attribute(TO_RECORD, new Scored(model, ctx.endpoint().path, records, batch.results()));
    }
    return batch;
  }

  /**
   * Offers a sampled request's records to the inference log once it is answered: only a request
   * answered 200 is recorded (a refused one has no prediction), with the server's time for all of it.
   */
  void answered(Context ctx, String requestId, int status, long nanos) {
    Scored scored = ctx.attribute(TO_RECORD);
    if (scored == null || status != 200) {
      return;
    }
    Instant now = Instant.now();
    long receivedMicros = now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000 - nanos / 1_000;
    Double latencyMs = nanos / 1e6;
    ServedModel model = scored.model();
    for (int i = 0; i < scored.results().size(); i++) {
      Scorer.Scored result = scored.results().get(i);
      double[] probability = result.prediction().probability();
      log.offer(new InferenceRecord(requestId, i, receivedMicros, InferenceRecord.ONLINE, scored.route(), model.name(), model.registeredModel(),
          model.version(), model.manifest().runId(), scored.records().get(i), features(result.inputs()), result.prediction().prediction(),
          model.classifier() && probability.length == 2 ? probability[1] : null, latencyMs, log.server()));
    }
  }

  private static List<InferenceRecord.Feature> features(List<RequestPlan.UsedInput> inputs) {
    List<InferenceRecord.Feature> features = new ArrayList<>(inputs.size());
    for (RequestPlan.UsedInput input : inputs) {
      features.add(new InferenceRecord.Feature(input.name(), input.view(), input.source().label(), input.number(), input.text(),
          input.featureTime() == null ? null : input.featureTime().toInstant(ZoneOffset.UTC)));
    }
    return features;
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
