package io.treeline.jobs.score;

import io.treeline.modelpackage.compiled.SparkPipelineSpecs;
import io.treeline.modelpackage.Decision;
import io.treeline.serving.compile.CompiledPipeline;
import io.treeline.serving.compile.Frame;
import io.treeline.serving.compile.Prediction;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * Scores rows on an executor with the pipeline compiled exactly as serving compiles it: each row's
 * inputs go into a frame, the compiled stages and forest run over primitive arrays, and the row
 * comes back with its prediction and, for a classifier, the positive class's probability appended.
 * Rows are predicted a thousand at a time ({@link CompiledPipeline#predict(Frame[])}).
 * The PipelineModel travels once per executor as a broadcast and is compiled once per JVM.
 */
final class CompiledScoring implements MapPartitionsFunction<Row, Row> {
  private static final Map<String, CompiledPipeline> COMPILED = new ConcurrentHashMap<>();
  /** Rows predicted together: enough that a tree's nodes serve many rows while cached, few enough to hold. */
  private static final int BATCH = 1_000;

  /** A model input and where it is in the incoming row. */
  record Column(String name, boolean numeric, int position) implements java.io.Serializable {}

  private final Broadcast<PipelineModel> model;
  private final List<Column> columns;
  private final boolean classifier;
  private final Decision decision;

  CompiledScoring(Broadcast<PipelineModel> model, List<Column> columns, boolean classifier, Decision decision) {
    this.model = model;
    this.columns = List.copyOf(columns);
    this.classifier = classifier;
    this.decision = decision;
  }

  @Override
  public Iterator<Row> call(Iterator<Row> rows) {
    CompiledPipeline pipeline = COMPILED.computeIfAbsent(model.value().uid() + "/" + model.id(), uid -> CompiledPipeline.compile(SparkPipelineSpecs.of(model.value()), decision));
    CompiledPipeline.Input[] inputs = new CompiledPipeline.Input[columns.size()];
    for (int i = 0; i < inputs.length; i++) {
      inputs[i] = pipeline.inputs().get(columns.get(i).name());
    }
    return new Iterator<>() {
      private Row[] scored = new Row[0];
      private int next;

      @Override
      public boolean hasNext() {
        return next < scored.length || rows.hasNext();
      }

      @Override
      public Row next() {
        if (next == scored.length) {
          scored = scoreBatch(pipeline, inputs, rows);
          next = 0;
        }
        return scored[next++];
      }
    };
  }

  /** The next rows, up to {@link #BATCH}, each with its prediction appended: the forest walks each tree over the whole batch at once. */
  private Row[] scoreBatch(CompiledPipeline pipeline, CompiledPipeline.Input[] inputs, Iterator<Row> rows) {
    List<Row> batch = new ArrayList<>(BATCH);
    while (batch.size() < BATCH && rows.hasNext()) {
      batch.add(rows.next());
    }
    Frame[] frames = new Frame[batch.size()];
    for (int r = 0; r < frames.length; r++) {
      Row row = batch.get(r);
      Frame frame = pipeline.newFrame();
      for (int i = 0; i < inputs.length; i++) {
        Column column = columns.get(i);
        if (row.isNullAt(column.position())) {
          continue; // a missing number stays NaN and a missing string null, as Spark's stages see them
        }
        if (column.numeric()) {
          pipeline.setNumber(frame, inputs[i], row.getDouble(column.position()));
        } else {
          pipeline.setString(frame, inputs[i], row.getString(column.position()));
        }
      }
      frames[r] = frame;
    }
    Prediction[] predictions = pipeline.predict(frames);
    int extra = classifier ? 2 : 1;
    Row[] scored = new Row[frames.length];
    for (int r = 0; r < frames.length; r++) {
      Row row = batch.get(r);
      int width = row.length();
      Object[] values = new Object[width + extra];
      for (int i = 0; i < width; i++) {
        values[i] = row.get(i);
      }
      values[width] = predictions[r].prediction();
      if (classifier) {
        values[width + 1] = predictions[r].probability()[1]; // the positive class: labels are 0.0 and 1.0
      }
      scored[r] = RowFactory.create(values);
    }
    return scored;
  }

  /** Where the prepared rows hold a model input cast to the type the pipeline reads. */
  static String typedName(String input) {
    return "__treeline_typed_" + input;
  }

  static List<Column> columns(CompiledPipeline pipeline, String[] rowColumns) {
    List<String> names = List.of(rowColumns);
    List<Column> columns = new ArrayList<>();
    pipeline.inputs().values().forEach(input -> columns.add(new Column(input.name(), input.numeric(), names.indexOf(typedName(input.name())))));
    return columns;
  }
}
