package io.treeline.serving.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.treeline.featurestore.online.EntityKey;
import io.treeline.featurestore.online.FeatureValues;
import io.treeline.featurestore.online.OnlineTable;
import io.treeline.serving.inference.RequestRecord;
import io.treeline.serving.model.ServedModel;
import io.treeline.serving.predict.Scorer;
import io.treeline.serving.request.RecordFormat;
import io.treeline.serving.tracing.RequestTrace;
import java.util.List;
import java.util.Map;

/**
 * The records of an answered request as its inference log rows and its shadows take them: the
 * records the tree path parsed, or a copy of the body with where each record lies in it. The
 * streaming path keeps only that copy, so a logged or shadowed request costs its request thread one
 * small array; the log's writer and the shadow's thread read the records again, off the request path.
 */
final class ReceivedRecords {
  private final List<Map<String, JsonNode>> parsed;
  private final RecordFormat format;
  private final byte[] body;
  private final NativeRecords.Read read;

  private ReceivedRecords(List<Map<String, JsonNode>> parsed, RecordFormat format, byte[] body, NativeRecords.Read read) {
    this.parsed = parsed;
    this.format = format;
    this.body = body;
    this.read = read;
  }

  static ReceivedRecords parsed(List<Map<String, JsonNode>> records, RecordFormat format) {
    return new ReceivedRecords(records, format, null, null);
  }

  /** A request read by {@link NativeRecords} with its spans: {@code body} is a copy the request thread no longer writes. */
  static ReceivedRecords streamed(byte[] body, NativeRecords.Read read) {
    if (read.starts() == null) {
      throw new IllegalArgumentException("the records were read without their spans");
    }
    return new ReceivedRecords(null, RecordFormat.JSON, body, read);
  }

  int size() {
    return parsed != null ? parsed.size() : read.rows().size();
  }

  /** Record {@code i} as received, for its inference log row. */
  RequestRecord request(int i) {
    return parsed != null ? RequestRecord.of(parsed.get(i)) : RequestRecord.received(body, read.starts()[i], read.ends()[i]);
  }

  /**
   * Scores the records with {@code model} (a shadow), with the values the answer looked up in
   * {@code known}: a streamed body is read into the shadow's own plan, as a tree where that plan
   * wants it (the shadow's request features may differ from the answer's).
   */
  Scorer.Batch score(Scorer scorer, ServedModel model, boolean record, Map<OnlineTable, Map<EntityKey, FeatureValues>> known) {
    if (parsed != null) {
      return scorer.score(model, parsed, "records", format, false, record, RequestTrace.OFF, known);
    }
    // The answer accepted this batch's size already.
    NativeRecords.Read own = NativeRecords.read(body, body.length, model.plan(), Integer.MAX_VALUE, false);
    if (own != null) {
      return scorer.scoreRead(model, own.rows(), "records", false, record, RequestTrace.OFF, known);
    }
    return scorer.score(model, NativeApi.records(Bodies.json(body), Integer.MAX_VALUE), "records", format, false, record, RequestTrace.OFF, known);
  }
}
