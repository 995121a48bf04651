package io.treeline.serving.model;

import io.treeline.modelpackage.ModelManifest;
import io.treeline.serving.compile.CompiledPipeline;
import io.treeline.serving.request.RequestPlan;
import java.time.Instant;

/**
 * One loaded, compiled and warmed model version, served under {@code name} as its arm {@code arm}
 * (a route's arm or shadow; a plain --model's alias or version). Immutable; swapped whole.
 */
public record ServedModel(
    String name,
    String arm,
    String registeredModel,
    long version,
    CompiledPipeline pipeline,
    RequestPlan plan,
    ModelManifest manifest,
    Instant loadedAt,
    double loadSeconds) {

  public boolean classifier() {
    return pipeline.classifier();
  }
}
