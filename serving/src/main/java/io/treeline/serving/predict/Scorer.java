package io.treeline.serving.predict;

import com.fasterxml.jackson.databind.JsonNode;
import io.treeline.featurestore.online.EntityKey;
import io.treeline.featurestore.online.FeatureValues;
import io.treeline.featurestore.online.OnlineStore;
import io.treeline.featurestore.online.OnlineTable;
import io.treeline.serving.api.ApiException;
import io.treeline.serving.compile.Frame;
import io.treeline.serving.compile.InvalidRowException;
import io.treeline.serving.compile.Prediction;
import io.treeline.serving.model.ServedModel;
import io.treeline.serving.request.RequestPlan;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Scores a batch of request records with one model version: reads and checks every record first
 * (so a bad record refuses the batch before any work), looks up all their entities in one call to
 * the online store, then runs the compiled pipeline per record. No Spark, no DataFrame.
 */
public final class Scorer {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Scorer.class);

  private final OnlineStore store;

  public Scorer(OnlineStore store) {
    this.store = store;
  }

  /** One record's prediction and, when asked for, the model inputs it used. */
  public record Scored(Prediction prediction, Map<String, Object> features) {}

  public record Batch(ServedModel model, List<Scored> results, long storeNanos) {}

  /** @param text whether values arrive as text (CSV) and numbers may be parsed from it */
  public Batch score(ServedModel model, List<Map<String, JsonNode>> records, String where, boolean text, boolean explain) {
    RequestPlan plan = model.plan();
    List<Object[]> rows = new ArrayList<>(records.size());
    Map<OnlineTable, Collection<EntityKey>> keys = new LinkedHashMap<>();
    for (int i = 0; i < records.size(); i++) {
      Object[] values = plan.read(records.get(i), where + "[" + i + "]", text);
      plan.collectKeys(values, keys);
      rows.add(values);
    }
    long start = System.nanoTime();
    Map<OnlineTable, Map<EntityKey, FeatureValues>> found = keys.isEmpty() ? Map.of() : read(keys);
    long storeNanos = keys.isEmpty() ? 0 : System.nanoTime() - start;
    List<Scored> results = new ArrayList<>(rows.size());
    for (int i = 0; i < rows.size(); i++) {
      Map<String, Object> used = explain ? new LinkedHashMap<>() : null;
      Frame frame = plan.assemble(rows.get(i), found, used);
      try {
        results.add(new Scored(model.pipeline().predict(frame), used));
      } catch (InvalidRowException e) {
        throw ApiException.invalidField(where + "[" + i + "]: " + e.getMessage());
      }
    }
    return new Batch(model, results, storeNanos);
  }

  /** A store that cannot be read is the server's problem, not the client's: 503, and a log line without a stack. */
  private Map<OnlineTable, Map<EntityKey, FeatureValues>> read(Map<OnlineTable, Collection<EntityKey>> keys) {
    try {
      return store.readAll(keys);
    } catch (RuntimeException e) {
      LOG.warn("Cannot read the online store: {}", e.getMessage());
      throw ApiException.unavailable("the online store cannot be read right now: retry shortly");
    }
  }
}
