package io.treeline.serving.compile;

import io.treeline.modelpackage.Decision;
import io.treeline.modelpackage.compiled.PipelineSpec;

/** Pipelines whose forest is walked as {@link Forest}'s arrays, not compiled to Java: for benchmarks outside this package. */
public final class ArrayForestPipelines {
  private ArrayForestPipelines() {}

  public static CompiledPipeline compile(PipelineSpec spec, Decision decision) {
    return CompiledPipeline.compile(spec, decision, false);
  }
}
