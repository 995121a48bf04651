package io.treeline.registry.mlflow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.treeline.core.error.Errors;
import io.treeline.core.json.JsonObjects;
import io.treeline.registry.LoggedRun;
import io.treeline.modelpackage.ModelManifest;
import io.treeline.registry.ModelRef;
import io.treeline.registry.ModelRegistry;
import io.treeline.registry.ModelVersion;
import io.treeline.registry.RegisteredModel;
import io.treeline.registry.RegistryErrors;
import io.treeline.registry.RunRecord;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;

/**
 * The registry on an MLflow tracking server: an experiment per pipeline, a run per training with
 * its params, metrics, tags and artifacts, and the model registry (registered models, versions
 * whose source is the run's {@code model/} artifacts, aliases, version tags) through the REST API.
 */
public final class MlflowRegistry implements ModelRegistry {
  private static final long READY_TIMEOUT_MS = 120_000;
  /** The version tag that names one registration call (see {@link #register}). */
  public static final String REGISTRATION_ID_TAG = "treeline.registration_id";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final MlflowHttp http;
  private final RunArtifacts artifacts;

  public MlflowRegistry(String trackingUri, MlflowCredentials credentials, RetryPolicy retry, Configuration hadoop) {
    if (trackingUri == null || trackingUri.isBlank()) {
      throw Errors.invalidInput("use", "the MLflow registry", "no tracking URI is set",
          "Set registry.mlflow.tracking-uri (or MLFLOW_TRACKING_URI), e.g. http://127.0.0.1:5000.");
    }
    if (!trackingUri.startsWith("http://") && !trackingUri.startsWith("https://")) {
      throw Errors.invalidInput("use", "MLflow tracking URI " + trackingUri, "it is not an http(s) URL",
          "Point registry.mlflow.tracking-uri at a tracking server, e.g. http://127.0.0.1:5000.");
    }
    this.http = new MlflowHttp(trackingUri, credentials, retry);
    this.artifacts = new RunArtifacts(http, hadoop);
  }

  @Override
  public String kind() {
    return "mlflow";
  }

  @Override
  public String location() {
    return http.trackingUri();
  }

  @Override
  public LoggedRun logRun(RunRecord run) {
    String experimentId = experimentId(run.experiment());
    long started = (run.startedAt() == null ? Instant.now() : run.startedAt()).toEpochMilli();
    JsonNode info = http.create("runs/create", JsonObjects.of("experiment_id", experimentId, "run_name", run.runId(), "start_time", started,
        "tags", List.of(JsonObjects.of("key", "mlflow.runName", "value", run.runId()))), () -> createdRun(experimentId, run.runId()))
        .path("run").path("info");
    String mlflowRunId = info.path("run_id").asText();
    String artifactUri = info.path("artifact_uri").asText();
    List<Map<String, Object>> params = new ArrayList<>();
    run.params().forEach((k, v) -> params.add(JsonObjects.of("key", k, "value", truncate(v, 6000))));
    List<Map<String, Object>> metrics = new ArrayList<>();
    long now = System.currentTimeMillis();
    run.metrics().forEach((k, v) -> metrics.add(JsonObjects.of("key", k, "value", v, "timestamp", now, "step", 0)));
    List<Map<String, Object>> tags = new ArrayList<>();
    run.tags().forEach((k, v) -> tags.add(JsonObjects.of("key", k, "value", truncate(v, 8000))));
    tags.add(JsonObjects.of("key", "treeline.run_id", "value", run.runId()));
    // log-batch takes at most 100 params and 1000 items in all per call.
    int calls = Math.max(1, (Math.max(params.size(), Math.max(metrics.size(), tags.size())) + 99) / 100);
    for (int i = 0; i < calls * 100; i += 100) {
      http.post("runs/log-batch", JsonObjects.of("run_id", mlflowRunId, "metrics", slice(metrics, i), "params", slice(params, i),
          "tags", slice(tags, i)));
    }
    artifacts.upload(run.artifactsDir(), artifactUri, mlflowRunId);
    long ended = (run.endedAt() == null ? Instant.now() : run.endedAt()).toEpochMilli();
    http.post("runs/update", JsonObjects.of("run_id", mlflowRunId, "status", run.succeeded() ? "FINISHED" : "FAILED", "end_time", ended));
    return new LoggedRun(mlflowRunId, experimentId, artifactUri);
  }

  /** The run a lost runs/create answer made, found by its name: a Treeline run id, unique to one training. */
  private Optional<JsonNode> createdRun(String experimentId, String runName) {
    JsonNode found = http.post("runs/search", JsonObjects.of("experiment_ids", List.of(experimentId),
        "filter", "attributes.run_name = '" + runName.replace("'", "\\'") + "'", "max_results", 1));
    JsonNode runs = found.path("runs");
    return runs.isEmpty() ? Optional.empty() : Optional.of(JSON.createObjectNode().set("run", runs.get(0)));
  }

  private String experimentId(String name) {
    JsonNode found;
    try {
      found = http.get("experiments/get-by-name", Map.of("experiment_name", name));
      return found.path("experiment").path("experiment_id").asText();
    } catch (MlflowApiException e) {
      if (!e.notFound()) {
        throw translate(e, "find", "experiment " + name);
      }
    }
    try {
      return http.post("experiments/create", JsonObjects.of("name", name)).path("experiment_id").asText();
    } catch (MlflowApiException e) {
      if (e.alreadyExists()) { // created concurrently
        return http.get("experiments/get-by-name", Map.of("experiment_name", name)).path("experiment").path("experiment_id").asText();
      }
      throw translate(e, "create", "experiment " + name);
    }
  }

  @Override
  public ModelVersion register(String model, LoggedRun run, String artifactPath, Map<String, String> tags) {
    ModelRef.name(model, model);
    try {
      http.post("registered-models/create", JsonObjects.of("name", model));
    } catch (MlflowApiException e) {
      if (!e.alreadyExists()) {
        throw translate(e, "register", "model " + model);
      }
    }
    List<Map<String, Object>> tagList = new ArrayList<>();
    tags.forEach((k, v) -> tagList.add(JsonObjects.of("key", k, "value", v)));
    // Names this registration, so a retry after a lost answer finds the version it made instead of making another.
    String registrationId = UUID.randomUUID().toString();
    tagList.add(JsonObjects.of("key", REGISTRATION_ID_TAG, "value", registrationId));
    JsonNode created;
    try {
      created = http.create("model-versions/create", JsonObjects.of(
          "name", model, "source", run.artifactUri() + "/" + artifactPath, "run_id", run.runId(), "tags", tagList),
          () -> registeredVersion(model, run.runId(), registrationId)).path("model_version");
    } catch (MlflowApiException e) {
      throw translate(e, "register", "model " + model + " from run " + run.runId());
    }
    long version = created.path("version").asLong();
    long deadline = System.currentTimeMillis() + READY_TIMEOUT_MS;
    JsonNode current = created;
    while ("PENDING_REGISTRATION".equals(current.path("status").asText()) && System.currentTimeMillis() < deadline) {
      sleep(500);
      current = http.get("model-versions/get", Map.of("name", model, "version", Long.toString(version))).path("model_version");
    }
    if (!ModelVersion.READY.equals(current.path("status").asText())) {
      throw Errors.jobFailed("register", "model " + model + "/" + version, "its status is " + current.path("status").asText()
          + " (" + current.path("status_message").asText("") + ")", "See the version in the MLflow UI; register the run again.", null);
    }
    return toVersion(current);
  }

  /** The version a lost model-versions/create answer made: of this run, carrying this registration's id. */
  private Optional<JsonNode> registeredVersion(String model, String runId, String registrationId) {
    JsonNode page = http.get("model-versions/search", Map.of("filter",
        "name='" + model.replace("'", "\\'") + "' AND run_id='" + runId.replace("'", "\\'") + "'", "max_results", "1000"));
    for (JsonNode version : page.path("model_versions")) {
      for (JsonNode tag : version.path("tags")) {
        if (REGISTRATION_ID_TAG.equals(tag.path("key").asText()) && registrationId.equals(tag.path("value").asText())) {
          return Optional.of(JSON.createObjectNode().set("model_version", version));
        }
      }
    }
    return Optional.empty();
  }

  @Override
  public ModelVersion resolve(ModelRef ref) {
    Map<String, Long> aliases = aliasesOf(ref.model(), "resolve");
    if (ref.alias() != null) {
      Long version = aliases.get(ref.alias());
      if (version == null) {
        throw RegistryErrors.unknownAlias("resolve", ref.model(), ref.alias(), aliases.keySet());
      }
      return version(ref.model(), version);
    }
    if (ref.version() != null) {
      return version(ref.model(), ref.version());
    }
    List<JsonNode> all = searchVersions(ref.model());
    return all.stream().filter(v -> ModelVersion.READY.equals(v.path("status").asText())).findFirst().map(v -> toVersion(v, aliases))
        .orElseThrow(() -> RegistryErrors.unknownModel("resolve", ref.model(), List.of()));
  }

  private ModelVersion version(String model, long version) {
    try {
      return toVersion(http.get("model-versions/get", Map.of("name", model, "version", Long.toString(version))).path("model_version"));
    } catch (MlflowApiException e) {
      if (e.notFound()) {
        long latest = searchVersions(model).stream().mapToLong(v -> v.path("version").asLong()).max().orElse(0);
        throw RegistryErrors.unknownVersion("resolve", model, version, latest);
      }
      throw translate(e, "resolve", "model " + model + "/" + version);
    }
  }

  @Override
  public List<RegisteredModel> models() {
    List<RegisteredModel> models = new ArrayList<>();
    String token = null;
    do {
      Map<String, String> query = new LinkedHashMap<>();
      query.put("max_results", "1000");
      if (token != null) {
        query.put("page_token", token);
      }
      JsonNode page = http.get("registered-models/search", query);
      for (JsonNode model : page.path("registered_models")) {
        String name = model.path("name").asText();
        long latest = searchVersions(name).stream().mapToLong(v -> v.path("version").asLong()).max().orElse(0);
        models.add(new RegisteredModel(name, latest, aliases(model)));
      }
      token = page.path("next_page_token").asText(null);
    } while (token != null && !token.isEmpty());
    models.sort(java.util.Comparator.comparing(RegisteredModel::name));
    return models;
  }

  @Override
  public List<ModelVersion> versions(String model, Map<String, String> withTags) {
    Map<String, Long> aliases = aliasesOf(model, "list");
    List<ModelVersion> out = new ArrayList<>();
    for (JsonNode version : searchVersions(model)) {
      ModelVersion v = toVersion(version, aliases);
      if (v.hasTags(withTags)) {
        out.add(v);
      }
    }
    return out;
  }

  @Override
  public void setAlias(String model, String alias, long version) {
    ModelRef.alias(alias, model + "@" + alias);
    ModelVersion target = resolve(ModelRef.ofVersion(model, version));
    if (!ModelVersion.READY.equals(target.status())) {
      throw RegistryErrors.notReady("set alias " + alias + " on", target);
    }
    try {
      http.post("registered-models/alias", JsonObjects.of("name", model, "alias", alias, "version", Long.toString(version)));
    } catch (MlflowApiException e) {
      throw translate(e, "set alias " + alias + " on", "model " + model + "/" + version);
    }
  }

  @Override
  public void deleteAlias(String model, String alias) {
    Map<String, Long> aliases = aliasesOf(model, "delete alias of");
    if (!aliases.containsKey(alias)) {
      throw RegistryErrors.unknownAlias("delete alias of", model, alias, aliases.keySet());
    }
    try {
      http.delete("registered-models/alias", JsonObjects.of("name", model, "alias", alias));
    } catch (MlflowApiException e) {
      throw translate(e, "delete alias of", "model " + model + "@" + alias);
    }
  }

  @Override
  public void setVersionTag(String model, long version, String key, String value) {
    resolve(ModelRef.ofVersion(model, version));
    try {
      http.post("model-versions/set-tag", JsonObjects.of("name", model, "version", Long.toString(version), "key", key, "value", value));
    } catch (MlflowApiException e) {
      throw translate(e, "tag", "model " + model + "/" + version);
    }
  }

  @Override
  public Path download(ModelVersion version, Path target) {
    artifacts.download(version.source(), target);
    return target;
  }

  @Override
  public void addToPackage(ModelVersion version, String file, byte[] contents) {
    try {
      artifacts.write(version.source() + "/" + file, contents);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("Cannot add " + file + " to " + version.source() + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {}

  @Override
  public Map<String, Long> aliases(String model) {
    return aliasesOf(model, "list aliases of");
  }

  /** The aliases of a model, or the "unknown model" error. */
  private Map<String, Long> aliasesOf(String model, String verb) {
    try {
      return aliases(http.get("registered-models/get", Map.of("name", model)).path("registered_model"));
    } catch (MlflowApiException e) {
      if (e.notFound()) {
        throw RegistryErrors.unknownModel(verb, model, models().stream().map(RegisteredModel::name).toList());
      }
      throw translate(e, verb, "model " + model);
    }
  }

  private static Map<String, Long> aliases(JsonNode registeredModel) {
    Map<String, Long> aliases = new TreeMap<>();
    for (JsonNode alias : registeredModel.path("aliases")) {
      aliases.put(alias.path("alias").asText(), alias.path("version").asLong());
    }
    return aliases;
  }

  /** All versions of a model, newest first. */
  private List<JsonNode> searchVersions(String model) {
    List<JsonNode> versions = new ArrayList<>();
    String token = null;
    do {
      Map<String, String> query = new LinkedHashMap<>();
      query.put("filter", "name='" + model.replace("'", "\\'") + "'");
      query.put("max_results", "10000");
      if (token != null) {
        query.put("page_token", token);
      }
      JsonNode page = http.get("model-versions/search", query);
      page.path("model_versions").forEach(versions::add);
      token = page.path("next_page_token").asText(null);
    } while (token != null && !token.isEmpty());
    versions.sort((a, b) -> Long.compare(b.path("version").asLong(), a.path("version").asLong()));
    return versions;
  }

  /** A version as model-versions/get returns it, aliases included. */
  private ModelVersion toVersion(JsonNode node) {
    Map<String, Long> aliases = new TreeMap<>();
    node.path("aliases").forEach(a -> aliases.put(a.asText(), node.path("version").asLong()));
    return toVersion(node, aliases);
  }

  /** A version with the model's aliases: model-versions/search leaves them out of its answers. */
  private ModelVersion toVersion(JsonNode node, Map<String, Long> modelAliases) {
    String model = node.path("name").asText();
    long version = node.path("version").asLong();
    List<String> aliases = modelAliases.entrySet().stream().filter(e -> e.getValue() == version).map(Map.Entry::getKey).sorted().toList();
    Map<String, String> tags = new TreeMap<>();
    node.path("tags").forEach(t -> tags.put(t.path("key").asText(), t.path("value").asText()));
    String status = node.path("status").asText();
    String source = node.path("source").asText();
    ModelManifest manifest = ModelVersion.READY.equals(status)
        ? ModelManifest.parse(artifacts.read(source + "/" + ModelManifest.FILE), source + "/" + ModelManifest.FILE)
        : null;
    return new ModelVersion(model, version, status, node.path("run_id").asText(null), source,
        Instant.ofEpochMilli(node.path("creation_timestamp").asLong()), aliases, tags, manifest);
  }

  private RuntimeException translate(MlflowApiException e, String verb, String thing) {
    return Errors.invalidInput(verb, thing, "MLflow answered " + e.status() + (e.errorCode() == null ? "" : " " + e.errorCode()) + ": "
        + e.getMessage(), "Check the name and the server's logs.");
  }

  private static <T> List<T> slice(List<T> list, int from) {
    return from >= list.size() ? List.of() : list.subList(from, Math.min(list.size(), from + 100));
  }

  private static String truncate(String value, int max) {
    return value == null ? "" : value.length() <= max ? value : value.substring(0, max);
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
