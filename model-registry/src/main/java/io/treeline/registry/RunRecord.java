package io.treeline.registry;

import java.time.Instant;
import java.util.Map;

/**
 * A finished training run to record. {@code experiment} groups runs (Treeline uses the pipeline
 * name); {@code artifactsDir} is a directory (local or lake URI) whose files become the run's
 * artifacts, among them the MLflow-format model under {@code model/}.
 */
public record RunRecord(
    String runId,
    String experiment,
    String artifactsDir,
    Map<String, String> params,
    Map<String, Double> metrics,
    Map<String, String> tags,
    Instant startedAt,
    Instant endedAt,
    boolean succeeded) {}
