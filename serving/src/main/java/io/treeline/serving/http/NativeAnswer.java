package io.treeline.serving.http;

import com.fasterxml.jackson.core.JsonGenerator;
import io.treeline.serving.compile.Prediction;
import io.treeline.serving.model.ServedModel;
import io.treeline.serving.predict.Scorer;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Writes the answer of {@code POST /v1/models/{name}/predict} with a streaming generator into a
 * buffer its thread keeps, field by field in the order the maps it replaces had, so the bytes are
 * the same as serializing {@code {"model", "registered_model", "version", "arm", "predictions"}}.
 */
final class NativeAnswer {
  private static final int KEPT_BYTES = 64 << 10;
  private static final ThreadLocal<AnswerBuffer> OWN = ThreadLocal.withInitial(() -> new AnswerBuffer(1024));

  private NativeAnswer() {}

  static void write(Exchange ex, ServedModel model, Scorer.Batch batch) {
    AnswerBuffer out = OWN.get();
    if (out.size() > KEPT_BYTES) {
      out = new AnswerBuffer(1024); // a huge batch's answer: not kept for the next request
      OWN.set(out);
    }
    out.reset();
    try (JsonGenerator json = Bodies.JSON.createGenerator(out)) {
      json.writeStartObject();
      json.writeStringField("model", model.name());
      json.writeStringField("registered_model", model.registeredModel());
      json.writeNumberField("version", model.version());
      json.writeStringField("arm", model.arm());
      json.writeArrayFieldStart("predictions");
      for (Scorer.Scored scored : batch.results()) {
        json.writeStartObject();
        prediction(json, model, scored.prediction());
        if (scored.features() != null) {
          json.writeFieldName("features");
          json.writeObject(scored.features());
        }
        json.writeEndObject();
      }
      json.writeEndArray();
      json.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write a response: " + e.getMessage(), e);
    }
    ex.answer(200, out);
  }

  private static void prediction(JsonGenerator json, ServedModel model, Prediction prediction) throws IOException {
    if (!model.classifier()) {
      json.writeNumberField("value", prediction.prediction());
      return;
    }
    json.writeNumberField("label", prediction.prediction());
    double[] probability = prediction.probability();
    if (probability.length == 2) {
      json.writeNumberField("probability", probability[1]);
    } else {
      json.writeFieldName("probabilities");
      json.writeArray(probability, 0, probability.length);
    }
  }
}
