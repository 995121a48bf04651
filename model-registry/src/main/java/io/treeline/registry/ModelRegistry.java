package io.treeline.registry;

import java.util.List;
import java.util.Map;

/**
 * Where training runs are recorded and model versions are registered, named by aliases and found
 * again. Two implementations pass one contract suite: the lake registry (Delta tables under the
 * lake, the embedded default) and MLflow (a tracking server with its model registry).
 *
 * <p>An unknown model, version or alias is an {@link io.treeline.core.error.InvalidInputException}
 * that names it and lists what exists.
 */
public interface ModelRegistry extends AutoCloseable {
  /** "lake" or "mlflow", for messages and summaries. */
  String kind();

  /** Where this registry is, for messages: the lake root or the tracking URI (never credentials). */
  String location();

  /**
   * Records a finished training run: its params, metrics and tags, and copies the files of
   * {@link RunRecord#artifactsDir()} into the run's artifact store (unless they are already there).
   */
  LoggedRun logRun(RunRecord run);

  /**
   * Registers the MLflow-format model at {@code artifactPath} inside a logged run as the next
   * version of {@code model}, creating the model on its first version. Versions are numbered 1, 2,
   * … and two concurrent registrations never get the same number.
   */
  ModelVersion register(String model, LoggedRun run, String artifactPath, Map<String, String> tags);

  /** The version {@code ref} names (NAME@ALIAS, NAME/VERSION or NAME for the newest). */
  ModelVersion resolve(ModelRef ref);

  /** Every registered model, by name. */
  List<RegisteredModel> models();

  /** The versions of a model, newest first; only those carrying every tag in {@code tags}. */
  List<ModelVersion> versions(String model, Map<String, String> tags);

  /** Where the aliases of a model point, by alias name. */
  Map<String, Long> aliases(String model);

  /** Points {@code alias} at {@code version}, moving it if it pointed elsewhere. */
  void setAlias(String model, String alias, long version);

  void deleteAlias(String model, String alias);

  void setVersionTag(String model, long version, String key, String value);

  /**
   * A value that changes whenever a version or alias may have changed, cheap to get; a server
   * polling for alias moves resolves its models only when it differs. {@code null} when the
   * registry cannot tell cheaply: then every poll resolves.
   */
  default Object changeMarker() {
    return null;
  }

  /**
   * Copies a version's model package into a local directory (which must not exist yet) and
   * returns it; serving loads models from there.
   */
  java.nio.file.Path download(ModelVersion version, java.nio.file.Path target);

  /**
   * Adds (or replaces) one file in a registered version's package, beside what training wrote:
   * how {@code models compile} gives a package an older Treeline wrote its compiled pipeline.
   */
  void addToPackage(ModelVersion version, String file, byte[] contents);

  @Override
  void close();
}
