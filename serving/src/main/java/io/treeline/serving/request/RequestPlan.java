package io.treeline.serving.request;

import com.fasterxml.jackson.databind.JsonNode;
import io.treeline.core.error.Suggestions;
import io.treeline.core.lake.FeatureColumn;
import io.treeline.featurestore.online.EntityKey;
import io.treeline.featurestore.online.FeatureValues;
import io.treeline.featurestore.online.OnlineTable;
import io.treeline.modelpackage.ModelManifest.FeatureViewDependency;
import io.treeline.modelpackage.ModelManifest.RequestFeature;
import io.treeline.modelpackage.ModelManifest;
import io.treeline.serving.api.ApiException;
import io.treeline.serving.api.Quoted;
import io.treeline.serving.compile.CompiledPipeline;
import io.treeline.serving.compile.Frame;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * How one model version turns a request record into a row for its compiled pipeline: which fields a
 * record may carry, which it must, where each model input comes from (the request, an expression
 * over the request, or the online store by entity key), and that a value in the request overrides a
 * looked-up one. Built once per loaded version; thread-safe.
 */
public final class RequestPlan {
  /** Where a model input's value comes from. */
  public enum Source {
    REQUEST, DERIVED, ONLINE_STORE, MISSING;

    // Made once: the inference log's writer asks for it for every input of every record.
    private final String label = name().toLowerCase(java.util.Locale.ROOT);

    /** As the explain answer and the inference log write it: request, derived, online_store, missing. */
    public String label() {
      return label;
    }
  }

  /**
   * The model inputs as one record used them (for explain=true and the inference log): the plan's
   * names, views and kinds, with the record's values, sources and looked-up rows, in arrays that
   * {@link #assemble} fills, so a logged record costs three objects rather than one per input. Never
   * changed once assembled.
   */
  public static final class Used {
    private static final Source[] SOURCES = Source.values();
    private final RequestPlan plan;
    private final Object[] values;
    private final byte[] sources;
    private FeatureValues[] looked;

    private Used(RequestPlan plan) {
      this.plan = plan;
      this.values = new Object[plan.inputs.length];
      this.sources = new byte[plan.inputs.length];
    }

    public int size() {
      return values.length;
    }

    public String name(int index) {
      return plan.inputs[index].input().name();
    }

    /** The feature view the input belongs to, or null for request features. */
    public String view(int index) {
      int view = plan.inputs[index].view();
      return view < 0 ? null : plan.views[view].table().view();
    }

    public Source source(int index) {
      return SOURCES[sources[index]];
    }

    /** The value before conversion to the input's type; null when missing. */
    public Object value(int index) {
      return values[index];
    }

    /** The number the model read, for a numeric input; NaN when missing or not a number. */
    public double number(int index) {
      return plan.inputs[index].input().numeric() && values[index] != null ? RequestPlan.number(values[index]) : Double.NaN;
    }

    /** The string the model read, for a string input; null when missing. */
    public String text(int index) {
      return plan.inputs[index].input().numeric() || values[index] == null ? null : RequestPlan.text(values[index]);
    }

    /** The online store's feature time of the entity the value was looked up for (also for a value it lacked); null otherwise. */
    public LocalDateTime featureTime(int index) {
      int view = plan.inputs[index].view();
      FeatureValues row = view < 0 ? null : looked[view];
      Source source = source(index);
      return row != null && (source == Source.ONLINE_STORE || source == Source.MISSING) ? row.featureTime() : null;
    }
  }

  /** An empty {@link Used} for {@link #assemble} to fill. */
  public Used used() {
    return new Used(this);
  }

  private record Input(CompiledPipeline.Input input, Source source, RequestField field, RequestExpression expression,
      int view, String feature, List<String> needs) {}

  private record View(OnlineTable table, RequestField[] entities, int[] overrides) {}

  private final CompiledPipeline pipeline;
  private final Map<String, RequestField> fields;
  private final Map<String, String> aliasOf;
  // Arrays, not lists: every request walks them, and an immutable list's iterator is an allocation.
  private final Input[] inputs;
  private final View[] views;

  private RequestPlan(CompiledPipeline pipeline, Map<String, RequestField> fields, Map<String, String> aliasOf, List<Input> inputs, List<View> views) {
    this.pipeline = pipeline;
    this.fields = fields;
    this.aliasOf = aliasOf;
    this.inputs = inputs.toArray(Input[]::new);
    this.views = views.toArray(View[]::new);
  }

  /** Plans every input of {@code pipeline}; fails naming an input nothing provides or an expression serving cannot compute. */
  public static RequestPlan of(ModelManifest manifest, CompiledPipeline pipeline) {
    Map<String, RequestField> fields = new LinkedHashMap<>();
    Map<String, CompiledPipeline.Input> modelInputs = pipeline.inputs();
    List<Input> inputs = new ArrayList<>();
    Set<String> planned = new LinkedHashSet<>();
    for (RequestFeature feature : manifest.requestFeatures()) {
      CompiledPipeline.Input input = modelInputs.get(feature.name());
      if (input == null) {
        continue; // a request feature the fitted pipeline does not read (e.g. only the baseline used it)
      }
      RequestField own = field(fields, feature.name(), type(input));
      if (feature.expr() == null) {
        inputs.add(new Input(input, Source.REQUEST, own, null, -1, null, List.of()));
      } else {
        List<String> needs = new ArrayList<>();
        RequestExpression expression = RequestExpressions.compile(feature.expr(), (column, type) -> {
          needs.add(column);
          return field(fields, column, type).slot();
        });
        inputs.add(new Input(input, Source.DERIVED, own, expression, -1, null, List.copyOf(needs)));
      }
      planned.add(feature.name());
    }
    List<View> views = new ArrayList<>();
    for (FeatureViewDependency lookup : manifest.featureViews()) {
      RequestField[] entities = lookup.entities().stream().map(e -> field(fields, e, FieldType.STRING)).toArray(RequestField[]::new);
      List<Integer> overrides = new ArrayList<>();
      for (FeatureColumn column : lookup.columns()) {
        CompiledPipeline.Input input = modelInputs.get(column.column());
        if (input != null) {
          RequestField own = field(fields, column.column(), type(input));
          overrides.add(own.slot());
          inputs.add(new Input(input, Source.ONLINE_STORE, own, null, views.size(), column.feature(), List.of()));
          planned.add(input.name());
        }
      }
      views.add(new View(new OnlineTable(lookup.view(), lookup.entities(), lookup.features()), entities,
          overrides.stream().mapToInt(Integer::intValue).toArray()));
    }
    for (String name : modelInputs.keySet()) {
      if (!planned.contains(name)) {
        throw new IllegalStateException("the pipeline reads '" + name + "', which is neither a request feature nor a feature of its views"
            + " in treeline.json; retrain and register the model with this Treeline version");
      }
    }
    Map<String, String> aliasOf = new LinkedHashMap<>();
    manifest.requestAliases().forEach((alias, column) -> {
      if (fields.containsKey(column) && !fields.containsKey(alias)) {
        aliasOf.put(alias, column);
      }
    });
    return new RequestPlan(pipeline, Map.copyOf(fields), Map.copyOf(aliasOf), List.copyOf(inputs), List.copyOf(views));
  }

  private static FieldType type(CompiledPipeline.Input input) {
    return input.numeric() ? FieldType.NUMBER : FieldType.STRING;
  }

  private static RequestField field(Map<String, RequestField> fields, String name, FieldType type) {
    RequestField existing = fields.get(name);
    if (existing == null) {
      RequestField field = new RequestField(name, type, fields.size());
      fields.put(name, field);
      return field;
    }
    if (existing.type() != type && !(existing.type() == FieldType.NUMBER && type == FieldType.STRING)) {
      throw new UnsupportedExpressionException(name, "the column is used both as " + existing.type().description() + " and as " + type.description());
    }
    return existing;
  }

  /** Every field a record may carry, by name (without aliases). */
  public Map<String, RequestField> fields() {
    return fields;
  }

  public Map<String, String> aliases() {
    return aliasOf;
  }

  /** The fields a record must carry (derived features' sources, entity keys, plain request features). */
  public List<String> requiredFields() {
    Set<String> required = new LinkedHashSet<>();
    for (Input input : inputs) {
      if (input.source() == Source.REQUEST) {
        required.add(input.field().name());
      } else if (input.source() == Source.DERIVED) {
        required.addAll(input.needs());
      }
    }
    for (View view : views) {
      for (RequestField entity : view.entities()) {
        required.add(entity.name());
      }
    }
    return List.copyOf(required);
  }

  /** Reads one record: known fields only, each of its type, every required one present. {@code where} names it in errors ("records[2]"). */
  public Object[] read(Map<String, JsonNode> record, String where, RecordFormat format) {
    Object[] values = new Object[fields.size()];
    for (Map.Entry<String, JsonNode> entry : record.entrySet()) {
      String name = aliasOf.getOrDefault(entry.getKey(), entry.getKey());
      RequestField field = fields.get(name);
      if (field == null) {
        throw ApiException.invalidField(where + " has the unknown field '" + abbreviate(entry.getKey()) + "'" + nearest(entry.getKey())
            + "; the model takes " + String.join(", ", new TreeSet<>(acceptedNames())));
      }
      if (values[field.slot()] != null) {
        throw ApiException.invalidField(where + " gives '" + name + "' twice (once as its alias): send it once");
      }
      values[field.slot()] = field.convert(entry.getValue(), where + "." + entry.getKey(), format);
    }
    ApiException missing = missing(values, where);
    if (missing != null) {
      throw missing;
    }
    return values;
  }

  /** How many values a record has: one per field, at its slot. */
  public int width() {
    return fields.size();
  }

  /** The field {@code name} names, directly or as an alias; null for an unknown name. */
  RequestField field(String name) {
    String column = aliasOf.get(name);
    return fields.get(column == null ? name : column);
  }

  /** The refusal of a record that lacks a field it must carry (null when it has them all). */
  ApiException missing(Object[] values, String where) {
    for (Input input : inputs) {
      if (input.source() == Source.REQUEST && values[input.field().slot()] == null) {
        return missing(where, input.field().name(), "a request feature of the model");
      }
      if (input.source() == Source.DERIVED && values[input.field().slot()] == null) {
        for (int i = 0; i < input.needs().size(); i++) {
          String need = input.needs().get(i);
          if (values[fields.get(need).slot()] == null) {
            return missing(where, need, "needed to compute " + input.field().name());
          }
        }
      }
    }
    for (View view : views) {
      if (needsLookup(view, values)) {
        for (RequestField entity : view.entities()) {
          if (values[entity.slot()] == null) {
            return missing(where, entity.name(), "the entity key of the feature view " + view.table().view());
          }
        }
      }
    }
    return null;
  }

  private ApiException missing(String where, String field, String why) {
    String alias = aliasOf.entrySet().stream().filter(e -> e.getValue().equals(field)).map(e -> " (or '" + e.getKey() + "')").findFirst().orElse("");
    return ApiException.invalidField(where + " is missing the field '" + field + "'" + alias + ": " + why);
  }

  private List<String> acceptedNames() {
    List<String> names = new ArrayList<>(fields.keySet());
    names.addAll(aliasOf.keySet());
    return names;
  }

  private static String abbreviate(String name) {
    return Quoted.cut(name);
  }

  private String nearest(String name) {
    if (name.length() > 64) {
      return ""; // no field is that long, and the edit distance would cost a request a lot of CPU
    }
    return Suggestions.nearest(name, acceptedNames()).map(n -> " (did you mean '" + n + "'?)").orElse("");
  }

  /** A view is read when one of its features is neither sent nor sent as missing, and every entity key is known. */
  private static boolean needsLookup(View view, Object[] values) {
    for (RequestField entity : view.entities()) {
      if (values[entity.slot()] == RequestField.MISSING) {
        return false;
      }
    }
    for (int slot : view.overrides()) {
      if (values[slot] == null) {
        return true;
      }
    }
    return false;
  }

  /**
   * Adds the entity keys {@code values} needs looked up, per view, and returns them by view (null
   * where the record needs no lookup) for {@link #assemble}. A view's first key goes in alone, as
   * the one key of a one-record request; a second makes the view's keys a set.
   */
  public EntityKey[] collectKeys(Object[] values, Map<OnlineTable, Collection<EntityKey>> into) {
    EntityKey[] keys = new EntityKey[views.length];
    for (int v = 0; v < keys.length; v++) {
      View view = views[v];
      if (needsLookup(view, values)) {
        EntityKey key = key(view, values);
        keys[v] = key;
        Collection<EntityKey> known = into.get(view.table());
        if (known == null) {
          into.put(view.table(), List.of(key));
        } else if (!known.contains(key)) {
          Set<EntityKey> more = known instanceof LinkedHashSet<EntityKey> set ? set : new LinkedHashSet<>(known);
          more.add(key);
          into.put(view.table(), more);
        }
      }
    }
    return keys;
  }

  private static EntityKey key(View view, Object[] values) {
    String[] key = new String[view.entities().length];
    for (int i = 0; i < key.length; i++) {
      key[i] = text(values[view.entities()[i].slot()]);
    }
    return EntityKey.of(key);
  }

  /**
   * Fills this thread's reused frame ({@link CompiledPipeline#reusedFrame}: predict it before the
   * next record) from the record, its {@link #collectKeys keys} and the looked-up values; with {@code used} non-null, fills it
   * with the inputs as used (for explain=true and the inference log; null allocates nothing more).
   */
  public Frame assemble(Object[] values, EntityKey[] keys, Map<OnlineTable, Map<EntityKey, FeatureValues>> found, Used used) {
    Frame frame = pipeline.reusedFrame();
    FeatureValues[] looked = new FeatureValues[views.length];
    for (int v = 0; v < looked.length; v++) {
      Map<EntityKey, FeatureValues> byKey = found.get(views[v].table());
      looked[v] = byKey == null || keys[v] == null ? null : byKey.get(keys[v]);
    }
    if (used != null) {
      used.looked = looked;
    }
    for (int i = 0; i < inputs.length; i++) {
      Input input = inputs[i];
      Object value = values[input.field().slot()];
      Source source = Source.REQUEST;
      if (value == RequestField.MISSING) {
        value = null;
      } else if (value == null && input.source() == Source.DERIVED) {
        double derived = sentAsMissing(input.needs(), values) ? Double.NaN : input.expression().evaluate(values);
        value = Double.isNaN(derived) ? null : derived;
        source = Source.DERIVED;
      } else if (value == null && input.source() == Source.ONLINE_STORE) {
        FeatureValues row = looked[input.view()];
        value = row == null ? null : row.values().get(input.feature());
        source = Source.ONLINE_STORE;
      }
      if (value == null) {
        source = Source.MISSING;
      }
      if (input.input().numeric()) {
        pipeline.setNumber(frame, input.input(), number(value));
      } else {
        pipeline.setString(frame, input.input(), value == null ? null : text(value));
      }
      if (used != null) {
        used.values[i] = value;
        used.sources[i] = (byte) source.ordinal();
      }
    }
    return frame;
  }

  private boolean sentAsMissing(List<String> needs, Object[] values) {
    for (int i = 0; i < needs.size(); i++) {
      if (values[fields.get(needs.get(i)).slot()] == RequestField.MISSING) {
        return true;
      }
    }
    return false;
  }

  private static double number(Object value) {
    if (value == null) {
      return Double.NaN;
    }
    if (value instanceof Number n) {
      return n.doubleValue();
    }
    if (value instanceof Boolean b) {
      return b ? 1 : 0;
    }
    try {
      return Double.parseDouble(value.toString());
    } catch (NumberFormatException e) {
      return Double.NaN;
    }
  }

  /** Strings as Spark casts them: a whole number without ".0". */
  private static String text(Object value) {
    if (value instanceof Double d && d == Math.rint(d) && Math.abs(d) < 1e15) {
      return Long.toString(d.longValue());
    }
    return String.valueOf(value);
  }
}
