package io.treeline.modelpackage.compiled;

import java.util.List;

/**
 * A fitted pipeline as plain data: its feature stages in order, then the tree model that reads
 * their assembled vector. What serving compiles into Java and what {@link PipelineSpecFile} stores
 * in a model package, so a server needs neither Spark nor Spark ML's persistence to load a model.
 */
public record PipelineSpec(List<StageSpec> stages, PredictorSpec predictor) {
  public PipelineSpec {
    stages = List.copyOf(stages);
  }
}
