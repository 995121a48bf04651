package io.treeline.jobs.score;

import io.treeline.serving.compile.CompiledPipeline;
import io.treeline.serving.compile.Frame;
import io.treeline.serving.compile.Prediction;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The compiled pipeline as a Spark UDF over a struct of the typed model inputs: only those columns
 * are decoded for it and only the prediction comes back, while every other column of the row stays
 * in Spark's own format — cheaper than passing whole rows through {@link CompiledScoring}.
 */
final class CompiledScoringUdf implements UDF1<Row, Row> {
  private static final Map<String, CompiledPipeline> COMPILED = new ConcurrentHashMap<>();

  private final Broadcast<PipelineModel> model;
  private final List<String> inputs;
  private final boolean[] numeric;
  private final boolean classifier;
  private transient CompiledPipeline pipeline;
  private transient CompiledPipeline.Input[] slots;

  CompiledScoringUdf(Broadcast<PipelineModel> model, CompiledPipeline compiled) {
    this.model = model;
    this.inputs = List.copyOf(compiled.inputs().keySet());
    this.numeric = new boolean[inputs.size()];
    for (int i = 0; i < numeric.length; i++) {
      numeric[i] = compiled.inputs().get(inputs.get(i)).numeric();
    }
    this.classifier = compiled.classifier();
  }

  /** The model inputs, in the order the struct passed to the UDF must hold them. */
  List<String> inputs() {
    return inputs;
  }

  StructType resultType() {
    StructType type = new StructType().add(ScoreBatch.PREDICTION, DataTypes.DoubleType, false);
    return classifier ? type.add(ScoreBatch.PROBABILITY, DataTypes.DoubleType, false) : type;
  }

  @Override
  public Row call(Row values) {
    if (pipeline == null) {
      pipeline = COMPILED.computeIfAbsent(model.value().uid() + "/" + model.id(), uid -> CompiledPipeline.compile(model.value()));
      slots = inputs.stream().map(name -> pipeline.inputs().get(name)).toArray(CompiledPipeline.Input[]::new);
    }
    Frame frame = pipeline.newFrame();
    for (int i = 0; i < slots.length; i++) {
      if (values.isNullAt(i)) {
        continue; // a missing number stays NaN and a missing string null, as Spark's stages see them
      }
      if (numeric[i]) {
        pipeline.setNumber(frame, slots[i], values.getDouble(i));
      } else {
        pipeline.setString(frame, slots[i], values.getString(i));
      }
    }
    Prediction prediction = pipeline.predict(frame);
    return classifier ? RowFactory.create(prediction.prediction(), prediction.probability()[1]) : RowFactory.create(prediction.prediction());
  }
}
