package io.treeline.serving.compile;

import io.treeline.modelpackage.Calibration;
import io.treeline.modelpackage.Decision;
import io.treeline.modelpackage.compiled.PipelineSpec;
import io.treeline.modelpackage.compiled.UnsupportedStageException;
import io.treeline.serving.compile.Slots.Kind;
import io.treeline.serving.compile.Slots.Slot;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A fitted pipeline ({@link PipelineSpec}, read from Spark's PipelineModel or a model package) compiled into plain Java over primitive arrays: no Spark, no
 * DataFrame, no allocation beyond a few small arrays per row. Thread-safe: every prediction uses
 * its own {@link Frame}.
 *
 * <pre>
 * CompiledPipeline pipeline = CompiledPipeline.compile(SparkPipelineSpecs.of(model), manifest.decision());
 * Frame row = pipeline.newFrame();
 * pipeline.setNumber(row, "distance", 337);
 * pipeline.setString(row, "origin", "SFO");
 * Prediction p = pipeline.predict(row);
 * </pre>
 *
 * <p>A binary classifier answers through the model's {@link Decision}: its forest's probability
 * calibrated, and the label 1 when that is above the threshold.
 */
public final class CompiledPipeline {
  /** A column the pipeline reads: its name and whether it is a number or a string. */
  public record Input(String name, boolean numeric, int slot) {}

  private final Slots slots;
  private final CompiledStage[] stages;
  private final Predictor predictor;
  private final Decision decision;
  private final boolean calibrated;
  private final Map<String, Input> inputs;

  private CompiledPipeline(Slots slots, List<CompiledStage> stages, Predictor predictor, Decision decision) {
    this.slots = slots;
    this.stages = stages.toArray(CompiledStage[]::new);
    this.predictor = predictor;
    this.decision = decision;
    this.calibrated = !(decision.calibration() instanceof Calibration.None);
    Map<String, Input> inputs = new LinkedHashMap<>();
    for (Map.Entry<String, Slot> input : slots.inputs().entrySet()) {
      if (input.getValue().kind() == Kind.VECTOR) {
        throw new UnsupportedStageException("the pipeline reads the vector column '" + input.getKey() + "' as an input; serving takes numbers and strings");
      }
      inputs.put(input.getKey(), new Input(input.getKey(), input.getValue().kind() == Kind.NUMBER, input.getValue().index()));
    }
    this.inputs = Collections.unmodifiableMap(inputs);
  }

  /**
   * Compiles every stage, or fails naming the first one that is not supported. {@code decision} is
   * the model package's ({@code Decision.DEFAULT} for Spark's own answer).
   */
  public static CompiledPipeline compile(PipelineSpec spec, Decision decision) {
    Slots slots = new Slots();
    StageCompiler compiler = new StageCompiler(slots);
    int count = spec.stages().size() + 1;
    List<CompiledStage> stages = new ArrayList<>();
    for (int i = 0; i < spec.stages().size(); i++) {
      stages.add(compiler.compile(spec.stages().get(i), "stage " + (i + 1) + " of " + count));
    }
    String featuresCol = spec.predictor().featuresColumn();
    Slot features = featuresCol == null ? null : slots.has(featuresCol) ? slots.get(featuresCol, "the model") : null;
    if (features == null || features.kind() != Kind.VECTOR) {
      throw new UnsupportedStageException("stage " + count + " of " + count + " reads '" + featuresCol
          + "', which is not a vector an earlier stage assembles");
    }
    Predictor predictor = Predictor.of(spec.predictor(), features.index());
    if (predictor.numClasses() > 2 && !decision.equals(Decision.DEFAULT)) {
      throw new UnsupportedStageException("the model has " + predictor.numClasses()
          + " classes; a decision threshold and calibration apply to two classes only");
    }
    return new CompiledPipeline(slots, stages, predictor, decision);
  }

  public Decision decision() {
    return decision;
  }

  public Map<String, Input> inputs() {
    return inputs;
  }

  public boolean classifier() {
    return predictor.classifier();
  }

  public Frame newFrame() {
    return slots.newFrame();
  }

  public void setNumber(Frame frame, Input input, double value) {
    frame.numbers[input.slot()] = value;
  }

  public void setString(Frame frame, Input input, String value) {
    frame.strings[input.slot()] = value;
  }

  public void setNumber(Frame frame, String column, double value) {
    setNumber(frame, input(column, true), value);
  }

  public void setString(Frame frame, String column, String value) {
    setString(frame, input(column, false), value);
  }

  private Input input(String column, boolean numeric) {
    Input input = inputs.get(column);
    if (input == null || input.numeric() != numeric) {
      throw new IllegalArgumentException("the pipeline has no " + (numeric ? "numeric" : "string") + " input '" + column + "'");
    }
    return input;
  }

  /** Runs the stages over the frame and predicts; {@link InvalidRowException} names a refused column. */
  public Prediction predict(Frame frame) {
    return decided(predictor.predict(features(frame)));
  }

  /**
   * Predicts many rows at once, each answer equal to {@link #predict(Frame)}'s for its frame: the
   * forest walks each tree over all the rows before the next, which is faster per row (batch scoring).
   */
  public Prediction[] predict(Frame[] frames) {
    double[][] features = new double[frames.length][];
    for (int r = 0; r < frames.length; r++) {
      features[r] = features(frames[r]);
    }
    Prediction[] predictions = predictor.predict(features);
    for (int r = 0; r < predictions.length; r++) {
      predictions[r] = decided(predictions[r]);
    }
    return predictions;
  }

  private double[] features(Frame frame) {
    for (CompiledStage stage : stages) {
      stage.apply(frame);
    }
    double[] features = frame.vectors[predictor.featuresSlot];
    if (features.length != predictor.numFeatures) {
      throw new IllegalStateException("the assembled vector has " + features.length + " features, the model expects " + predictor.numFeatures);
    }
    return features;
  }

  /** A binary classifier's answer through the model's decision: calibrated, then the label by its threshold. */
  private Prediction decided(Prediction prediction) {
    if (predictor.numClasses() != 2) {
      return prediction;
    }
    double[] probability = prediction.probability();
    if (calibrated) {
      probability[1] = decision.probability(probability[1]);
      probability[0] = 1 - probability[1];
    }
    return Prediction.classified(decision.positive(probability[1]) ? 1 : 0, probability);
  }
}
