package io.treeline.serving.predict;

import com.fasterxml.jackson.databind.JsonNode;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.treeline.featurestore.online.EntityKey;
import io.treeline.featurestore.online.FeatureValues;
import io.treeline.featurestore.online.OnlineReader;
import io.treeline.featurestore.online.OnlineTable;
import io.treeline.serving.api.ApiException;
import io.treeline.serving.compile.Frame;
import io.treeline.serving.compile.InvalidRowException;
import io.treeline.serving.compile.Prediction;
import io.treeline.serving.model.ServedModel;
import io.treeline.serving.request.RecordFormat;
import io.treeline.serving.request.RequestPlan;
import io.treeline.serving.tracing.RequestTrace;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Scores a batch of request records with one model version: reads and checks every record first
 * (so a bad record refuses the batch before any work), looks up all their entities in one call to
 * the online store, then runs the compiled pipeline per record. No Spark, no DataFrame. With
 * tracing on, the lookup and the prediction are child spans of the request's.
 */
public final class Scorer {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Scorer.class);

  private final OnlineReader store;
  private final String storeKind;

  public Scorer(OnlineReader store, String storeKind) {
    this.store = store;
    this.storeKind = storeKind;
  }

  /**
   * One record's prediction and, when asked for, the model inputs it used.
   *
   * @param features for explain=true: input name to its value and source
   * @param inputs for the inference log: every input as used, with view and feature time
   */
  public record Scored(Prediction prediction, Map<String, Object> features, RequestPlan.Used inputs) {}

  /**
   * @param found what the online store held for the batch's entities, per table read: a shadow scored
   *     on the same records reads these values, not the store again
   */
  public record Batch(ServedModel model, List<Scored> results, long storeNanos, Map<OnlineTable, Map<EntityKey, FeatureValues>> found) {}

  /**
   * @param explain whether to return each record's inputs by name, with value and source
   * @param record whether to return each record's inputs as used, for the inference log
   */
  public Batch score(ServedModel model, List<Map<String, JsonNode>> records, String where, RecordFormat format, boolean explain, boolean record,
      RequestTrace trace) {
    return score(model, records, where, format, explain, record, trace, Map.of());
  }

  /**
   * Scores with the values {@code known} holds for the tables in it (another version's lookups for the
   * same records, so a shadow sees what the answer saw), reading only the other tables from the store.
   */
  public Batch score(ServedModel model, List<Map<String, JsonNode>> records, String where, RecordFormat format, boolean explain, boolean record,
      RequestTrace trace, Map<OnlineTable, Map<EntityKey, FeatureValues>> known) {
    RequestPlan plan = model.plan();
    List<Object[]> rows = new ArrayList<>(records.size());
    for (int i = 0; i < records.size(); i++) {
      rows.add(plan.read(records.get(i), where + "[" + i + "]", format));
    }
    return scoreRead(model, rows, where, explain, record, trace, known);
  }

  /**
   * Scores records already read into the plan's values ({@link RequestPlan#read}, or straight from
   * the body by {@link io.treeline.serving.request.StreamedRecord}); {@code where} names them in errors.
   */
  public Batch scoreRead(ServedModel model, List<Object[]> rows, String where, boolean explain, boolean record, RequestTrace trace,
      Map<OnlineTable, Map<EntityKey, FeatureValues>> known) {
    RequestPlan plan = model.plan();
    Map<OnlineTable, Collection<EntityKey>> keys = new LinkedHashMap<>();
    EntityKey[][] rowKeys = new EntityKey[rows.size()][];
    for (int i = 0; i < rowKeys.length; i++) {
      rowKeys[i] = plan.collectKeys(rows.get(i), keys);
    }
    Map<OnlineTable, Map<EntityKey, FeatureValues>> found = Map.of();
    long storeNanos = 0;
    if (!keys.isEmpty()) {
      Map<OnlineTable, Collection<EntityKey>> unknown = keys; // an answer (not a shadow) knows nothing yet: no copy on its path
      if (!known.isEmpty()) {
        unknown = new LinkedHashMap<>(keys);
        unknown.keySet().removeAll(known.keySet());
      }
      long start = System.nanoTime();
      Map<OnlineTable, Map<EntityKey, FeatureValues>> read = unknown.isEmpty() ? Map.of() : read(unknown, trace);
      storeNanos = unknown.isEmpty() ? 0 : System.nanoTime() - start;
      if (known.isEmpty()) {
        found = read;
      } else {
        found = new LinkedHashMap<>(read);
        for (OnlineTable table : keys.keySet()) {
          if (known.containsKey(table)) {
            found.put(table, known.get(table));
          }
        }
      }
    }
    List<Scored> results = new ArrayList<>(rows.size());
    Span predict = trace.child("predict");
    predict.setAttribute("treeline.rows", rows.size());
    try {
      for (int i = 0; i < rows.size(); i++) {
        RequestPlan.Used used = explain || record ? plan.used() : null;
        Frame frame = plan.assemble(rows.get(i), rowKeys[i], found, used);
        try {
          results.add(new Scored(model.pipeline().predict(frame), explain ? explained(used) : null, record ? used : null));
        } catch (InvalidRowException e) {
          predict.setStatus(StatusCode.ERROR, "invalid row");
          throw ApiException.invalidField(where + "[" + i + "]: " + e.getMessage());
        }
      }
    } finally {
      predict.end();
    }
    return new Batch(model, results, storeNanos, found);
  }

  private static Map<String, Object> explained(RequestPlan.Used used) {
    Map<String, Object> features = new LinkedHashMap<>();
    for (int i = 0; i < used.size(); i++) {
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("value", used.value(i));
      entry.put("source", used.source(i).label());
      features.put(used.name(i), entry);
    }
    return features;
  }

  /** A store that cannot be read is the server's problem, not the client's: 503, and a log line without a stack. */
  private Map<OnlineTable, Map<EntityKey, FeatureValues>> read(Map<OnlineTable, Collection<EntityKey>> keys, RequestTrace trace) {
    Span lookup = trace.child("feature lookup");
    try {
      Map<OnlineTable, Map<EntityKey, FeatureValues>> found = store.readAll(keys);
      if (lookup.isRecording()) {
        describe(lookup, keys, found);
      }
      return found;
    } catch (RuntimeException e) {
      LOG.warn("Cannot read the online store: {}", e.getMessage());
      lookup.recordException(e);
      lookup.setStatus(StatusCode.ERROR, "the online store cannot be read");
      throw ApiException.unavailable("the online store cannot be read right now: retry shortly");
    } finally {
      lookup.end();
    }
  }

  /** Which views were read for how many entities, and how many of those the store held (hits) or not (misses). */
  private void describe(Span lookup, Map<OnlineTable, Collection<EntityKey>> keys, Map<OnlineTable, Map<EntityKey, FeatureValues>> found) {
    long entities = 0;
    long hits = 0;
    List<String> views = new ArrayList<>(keys.size());
    for (Map.Entry<OnlineTable, Collection<EntityKey>> entry : keys.entrySet()) {
      views.add(entry.getKey().view());
      entities += entry.getValue().size();
      Map<EntityKey, FeatureValues> values = found.get(entry.getKey());
      hits += values == null ? 0 : values.size();
    }
    lookup.setAttribute(AttributeKey.stringArrayKey("treeline.feature_views"), views);
    lookup.setAttribute("treeline.online_store", storeKind);
    lookup.setAttribute("treeline.entities", entities);
    lookup.setAttribute("treeline.hits", hits);
    lookup.setAttribute("treeline.misses", entities - hits);
  }
}
