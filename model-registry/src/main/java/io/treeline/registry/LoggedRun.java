package io.treeline.registry;

/**
 * A run as the registry knows it: its id there (MLflow assigns its own), the experiment, and the
 * URI of its artifacts (a lake path, or {@code mlflow-artifacts:/…}).
 */
public record LoggedRun(String runId, String experimentId, String artifactUri) {}
