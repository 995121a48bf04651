package io.treeline.serving.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.treeline.serving.api.ApiException;
import io.treeline.serving.inference.InferenceLog;
import io.treeline.serving.inference.InferenceRecord;
import io.treeline.serving.model.Route;
import io.treeline.serving.model.ServedModel;
import io.treeline.serving.predict.Scorer;
import io.treeline.serving.request.RecordFormat;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The scorer as the protocol adapters use it: picks the arm of the route, scores, then counts the
 * records and the store's latency; once a request is answered, offers it to the inference log (if
 * sampled) and hands it to the shadows (if the route has any).
 */
final class Scoring {
  static final String ARM_HEADER = "X-Treeline-Arm";

  private final Scorer scorer;
  private final ServingMetrics metrics;
  private final String storeKind;
  private final InferenceLog log;
  private final RouteKey key;
  private final Shadows shadows;

  Scoring(Scorer scorer, ServingMetrics metrics, String storeKind, InferenceLog log, RouteKey key, Shadows shadows) {
    this.scorer = scorer;
    this.metrics = metrics;
    this.storeKind = storeKind;
    this.log = log;
    this.key = key;
    this.shadows = shadows;
  }

  /** A scored request, waiting for its answer (and its latency) to be logged and shadowed. */
  record Scored(ServedModel model, String route, ReceivedRecords records, Scorer.Batch batch, boolean record) {}

  /** The arm of {@code route} that answers this request (by the route key), named on the request and in a response header. */
  ServedModel pick(Exchange ex, Route route, List<Map<String, JsonNode>> records) {
    return pick(ex, route, records, null);
  }

  /** As {@link #pick(Exchange, Route, List)}, or the arm serving {@code version} when the request's path names one. */
  ServedModel pick(Exchange ex, Route route, List<Map<String, JsonNode>> records, String version) {
    ServedModel model = version != null ? route.version(version) : route.pick(route.arms() == 1 ? null : key.of(ex, records));
    chosen(ex, route, model);
    return model;
  }

  /**
   * The arm that answers this request when it can be known before the body is read, so the body may be
   * read straight into its plan: the route's only arm, or the arm of a header (or random) key. Null when
   * the key is a field of the records, and when the arm is not loaded (which the usual path refuses).
   */
  ServedModel armBeforeReading(Exchange ex, Route route) {
    if (route.arms() != 1 && key.field() != null) {
      return null;
    }
    try {
      return route.arms() == 1 ? route.first() : route.pick(key.of(ex, List.of()));
    } catch (ApiException e) {
      return null;
    }
  }

  /** Whether the inference log or a shadow will read this request's records again once it is answered. */
  boolean readAgain(Route route, boolean record) {
    return record || !route.shadows().isEmpty();
  }

  /** Names {@code model}, an arm of {@code route}, as the one answering this request. */
  void chosen(Exchange ex, Route route, ServedModel model) {
    ex.modelRoute = route;
    label(ex, model);
  }

  /** Whether the inference log keeps this request: asked once per request, before its records are read. */
  boolean sampled() {
    return log.sampled();
  }

  /**
   * Scores records read straight into the plan's values; when the log or a shadow wants them again
   * ({@link #readAgain}), {@code read} has their spans in {@code body} and a copy of the body is kept.
   */
  Scorer.Batch scoreRead(Exchange ex, Route route, ServedModel model, NativeRecords.Read read, BodyBuffer body, boolean explain, boolean record) {
    Scorer.Batch batch = scorer.scoreRead(model, read.rows(), "records", explain, record, ex.trace, Map.of());
    metrics.scored(model, read.rows().size(), storeKind, batch.storeNanos());
    if (readAgain(route, record)) {
      ex.scored = new Scored(model, ex.endpoint, ReceivedRecords.streamed(body.copy(), read), batch, record);
    }
    return batch;
  }

  Scorer.Batch score(Exchange ex, ServedModel model, List<Map<String, JsonNode>> records, String where, RecordFormat format, boolean explain) {
    return score(ex, model, records, where, format, explain, log.sampled());
  }

  /** As {@link #score(Exchange, ServedModel, List, String, RecordFormat, boolean)}, with the log's sample decided already. */
  Scorer.Batch score(Exchange ex, ServedModel model, List<Map<String, JsonNode>> records, String where, RecordFormat format, boolean explain,
      boolean record) {
    Scorer.Batch batch = scorer.score(model, records, where, format, explain, record, ex.trace);
    metrics.scored(model, records.size(), storeKind, batch.storeNanos());
    ex.scored = new Scored(model, ex.endpoint, ReceivedRecords.parsed(records, format), batch, record);
    return batch;
  }

  /**
   * Once a request is answered: only one answered 200 is recorded (a refused one has no prediction),
   * with the server's time for all of it; then its route's shadows score the same records.
   */
  void answered(Exchange ex, int status, long nanos) {
    Scored scored = ex.scored;
    if (scored == null || status != 200) {
      return;
    }
    Instant now = Instant.now();
    long receivedMicros = now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000 - nanos / 1_000;
    if (scored.record()) {
      offer(log, ex.requestId, receivedMicros, InferenceRecord.ONLINE, scored.route(), scored.model(), scored.batch().results(), scored.records(),
          nanos / 1e6);
    }
    Route route = ex.modelRoute;
    if (route != null) {
      List<ServedModel> shadowed = route.shadows();
      if (!shadowed.isEmpty()) {
        shadows.submit(new Shadows.Task(ex.requestId, receivedMicros, scored.route(), scored.model(), scored.batch(), scored.records(), shadowed,
            scored.record()));
      }
    }
  }

  /** Offers one scored request's records to {@code log}, one row each. */
  static void offer(InferenceLog log, String requestId, long receivedMicros, String origin, String route, ServedModel model,
      List<Scorer.Scored> results, ReceivedRecords records, double latencyMs) {
    for (int i = 0; i < results.size(); i++) {
      Scorer.Scored result = results.get(i);
      double[] probability = result.prediction().probability();
      log.offer(new InferenceRecord(requestId, i, receivedMicros, origin, route, model.name(), model.registeredModel(), model.version(),
          model.manifest().runId(), records.request(i), new UsedInputs(result.inputs()), result.prediction().prediction(),
          model.classifier() && probability.length == 2 ? probability[1] : null, latencyMs, log.server(), model.arm()));
    }
  }

  /** Names the model, version and arm on the request (for the metrics, access log and span) and in the X-Treeline-Arm header. */
  static void label(Exchange ex, ServedModel model) {
    ex.model = model.name();
    ex.version = Long.toString(model.version());
    ex.arm = model.arm();
    ex.responseHeader(ARM_HEADER, model.arm());
    ex.trace.model(model.name(), model.registeredModel(), model.version());
  }
}
