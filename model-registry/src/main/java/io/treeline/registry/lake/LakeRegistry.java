package io.treeline.registry.lake;

import io.treeline.core.error.Errors;
import io.treeline.core.lake.DeltaLogs;
import io.treeline.core.lake.KernelTables;
import io.treeline.core.lake.LakeLayout;
import io.treeline.core.lake.TableChangedException;
import io.treeline.core.lake.TableContents;
import io.treeline.core.lake.TableName;
import io.treeline.modelpackage.ModelManifest;
import io.treeline.modelpackage.ModelPackage;
import io.treeline.registry.Artifacts;
import io.treeline.registry.LoggedRun;
import io.treeline.registry.ModelRef;
import io.treeline.registry.ModelRegistry;
import io.treeline.registry.ModelVersion;
import io.treeline.registry.RegisteredModel;
import io.treeline.registry.RegistryErrors;
import io.treeline.registry.RunRecord;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.apache.hadoop.conf.Configuration;

/**
 * The embedded registry: runs, versions, version tags and aliases in Delta tables under
 * {@code <lake>/tables/registry/}, model packages under {@code <lake>/models/<name>/<version>/}.
 * Read and written with Delta Kernel: no SparkSession, so the registry commands and a prediction
 * server start without Spark.
 *
 * <p>A version is registered in three steps, like MLflow's own statuses: its row is committed as
 * PENDING_REGISTRATION (a commit on top of the version read, refused when another came first, gives
 * concurrent registrations distinct numbers), the package is copied, and the row becomes READY (or
 * FAILED_REGISTRATION). An alias move is one commit.
 */
public final class LakeRegistry implements ModelRegistry {
  private static final int ATTEMPTS = 12;

  private final LakeLayout layout;
  private final Configuration hadoop;
  private final KernelTables tables;

  public LakeRegistry(LakeLayout layout, Configuration hadoop) {
    this.layout = layout;
    this.hadoop = hadoop;
    this.tables = new KernelTables(hadoop);
    RegistryTables.createIfMissing(tables, layout);
  }

  @Override
  public String kind() {
    return "lake";
  }

  @Override
  public String location() {
    return layout.root();
  }

  @Override
  public LoggedRun logRun(RunRecord run) {
    String artifactUri = layout.run(run.runId());
    if (!stripSlash(run.artifactsDir()).equals(artifactUri)) {
      Artifacts.copyDirectory(run.artifactsDir(), artifactUri, hadoop);
    }
    Map<String, Object> row = row("run_id", run.runId(), "experiment", run.experiment(), "status", run.succeeded() ? "FINISHED" : "FAILED",
        "start_time", run.startedAt(), "end_time", run.endedAt(), "artifact_uri", artifactUri,
        "params", run.params(), "metrics", run.metrics(), "tags", run.tags());
    rewrite(RegistryTables.RUNS, "log", "run " + run.runId(), rows -> upsert(rows, r -> run.runId().equals(r.get("run_id")), List.of(row)));
    return new LoggedRun(run.runId(), run.experiment(), artifactUri);
  }

  @Override
  public ModelVersion register(String model, LoggedRun run, String artifactPath, Map<String, String> tags) {
    ModelRef.name(model, model);
    String source = run.artifactUri() + "/" + artifactPath;
    if (!Artifacts.exists(source + "/" + ModelPackage.MLMODEL, hadoop)) {
      throw Errors.invalidInput("register", "model " + model + " from run " + run.runId(), source + " holds no MLmodel file",
          "Register the model/ directory of a training run.");
    }
    long version = allocate(model, run.runId(), UUID.randomUUID().toString());
    String target = layout.modelVersion(model, version);
    try {
      Artifacts.copyDirectory(source, target, hadoop);
      writeTags(model, version, tags);
      setStatus(model, version, ModelVersion.READY);
    } catch (RuntimeException e) {
      setStatus(model, version, "FAILED_REGISTRATION");
      throw Errors.jobFailed("register", "model " + model + "/" + version, e.getMessage(),
          "The version is marked FAILED_REGISTRATION; register the run again.", e);
    }
    return resolve(ModelRef.ofVersion(model, version));
  }

  /** Commits the next version number; a concurrent commit makes this read the table again and retry. */
  private long allocate(String model, String runId, String registration) {
    return retrying("register", "model " + model, () -> {
      TableContents versions = read(RegistryTables.VERSIONS);
      long next = versions.rows().stream().filter(named(model)).mapToLong(LakeRegistry::version).max().orElse(0) + 1;
      List<Map<String, Object>> rows = new ArrayList<>(versions.rows());
      rows.add(row("name", model, "version", next, "status", "PENDING_REGISTRATION", "run_id", runId,
          "source", layout.modelVersion(model, next), "created_at", Instant.now(), "registration_id", registration));
      tables.rewrite(versions, rows);
      return next;
    });
  }

  private void setStatus(String model, long version, String status) {
    rewrite(RegistryTables.VERSIONS, "register", "model " + model, rows -> rows.stream().map(r -> {
      if (!named(model).test(r) || version(r) != version) {
        return r;
      }
      Map<String, Object> changed = new LinkedHashMap<>(r);
      changed.put("status", status);
      return changed;
    }).toList());
  }

  /** The newest commits of the versions and aliases tables: one directory listing each. */
  @Override
  public Object changeMarker() {
    return List.of(DeltaLogs.latestVersion(layout.table(RegistryTables.VERSIONS), hadoop),
        DeltaLogs.latestVersion(layout.table(RegistryTables.ALIASES), hadoop));
  }

  @Override
  public ModelVersion resolve(ModelRef ref) {
    List<Map<String, Object>> rows = versionsOf(ref.model());
    if (rows.isEmpty()) {
      throw RegistryErrors.unknownModel("resolve", ref.model(), modelNames());
    }
    Map<String, Long> aliases = aliasesOf(ref.model());
    long latest = rows.stream().mapToLong(LakeRegistry::version).max().getAsLong();
    long version;
    if (ref.alias() != null) {
      if (!aliases.containsKey(ref.alias())) {
        throw RegistryErrors.unknownAlias("resolve", ref.model(), ref.alias(), aliases.keySet());
      }
      version = aliases.get(ref.alias());
    } else if (ref.version() != null) {
      version = ref.version();
    } else {
      version = rows.stream().filter(r -> ModelVersion.READY.equals(r.get("status"))).mapToLong(LakeRegistry::version).max()
          .orElseThrow(() -> RegistryErrors.unknownModel("resolve", ref.model(), List.of()));
    }
    Map<String, Object> found = rows.stream().filter(r -> version(r) == version).findFirst()
        .orElseThrow(() -> RegistryErrors.unknownVersion("resolve", ref.model(), version, latest));
    return toVersion(found, aliases, tags(ref.model()));
  }

  @Override
  public List<RegisteredModel> models() {
    Map<String, Long> latest = new TreeMap<>();
    for (Map<String, Object> row : read(RegistryTables.VERSIONS).rows()) {
      latest.merge((String) row.get("name"), version(row), Math::max);
    }
    List<RegisteredModel> models = new ArrayList<>();
    latest.forEach((name, version) -> models.add(new RegisteredModel(name, version, aliasesOf(name))));
    return models;
  }

  @Override
  public List<ModelVersion> versions(String model, Map<String, String> withTags) {
    List<Map<String, Object>> rows = new ArrayList<>(versionsOf(model));
    if (rows.isEmpty()) {
      throw RegistryErrors.unknownModel("list", model, modelNames());
    }
    rows.sort(Comparator.comparingLong(LakeRegistry::version).reversed());
    Map<String, Long> aliases = aliasesOf(model);
    Map<Long, Map<String, String>> tags = tags(model);
    List<ModelVersion> out = new ArrayList<>();
    for (Map<String, Object> row : rows) {
      ModelVersion version = toVersion(row, aliases, tags);
      if (version.hasTags(withTags)) {
        out.add(version);
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
    Map<String, Object> row = row("name", model, "alias", alias, "version", version, "updated_at", Instant.now());
    rewrite(RegistryTables.ALIASES, "set", "alias " + model + "@" + alias,
        rows -> upsert(rows, r -> named(model).test(r) && alias.equals(r.get("alias")), List.of(row)));
  }

  @Override
  public void deleteAlias(String model, String alias) {
    Map<String, Long> aliases = aliasesOf(model);
    if (!aliases.containsKey(alias)) {
      if (modelNames().contains(model)) {
        throw RegistryErrors.unknownAlias("delete alias of", model, alias, aliases.keySet());
      }
      throw RegistryErrors.unknownModel("delete alias of", model, modelNames());
    }
    rewrite(RegistryTables.ALIASES, "delete", "alias " + model + "@" + alias,
        rows -> upsert(rows, r -> named(model).test(r) && alias.equals(r.get("alias")), List.of()));
  }

  @Override
  public void setVersionTag(String model, long version, String key, String value) {
    if (versionsOf(model).stream().noneMatch(r -> version(r) == version)) {
      resolve(ModelRef.ofVersion(model, version)); // throws the right "unknown" error
    }
    writeTags(model, version, Map.of(key, value));
  }

  /** Sets several tags of a version in one commit. */
  private void writeTags(String model, long version, Map<String, String> tags) {
    if (tags.isEmpty()) {
      return;
    }
    List<Map<String, Object>> added = tags.entrySet().stream()
        .map(t -> row("name", model, "version", version, "key", t.getKey(), "value", t.getValue())).toList();
    rewrite(RegistryTables.VERSION_TAGS, "tag", "model " + model + "/" + version,
        rows -> upsert(rows, r -> named(model).test(r) && version(r) == version && tags.containsKey(r.get("key")), added));
  }

  @Override
  public Path download(ModelVersion version, Path target) {
    Artifacts.copyDirectory(version.source(), target.toAbsolutePath().toUri().toString(), hadoop);
    return target;
  }

  @Override
  public void addToPackage(ModelVersion version, String file, byte[] contents) {
    Artifacts.write(version.source() + "/" + file, contents, hadoop);
  }

  @Override
  public void close() {}

  private ModelVersion toVersion(Map<String, Object> row, Map<String, Long> aliases, Map<Long, Map<String, String>> tags) {
    String model = (String) row.get("name");
    long version = version(row);
    String status = (String) row.get("status");
    String source = (String) row.get("source");
    List<String> named = aliases.entrySet().stream().filter(e -> e.getValue() == version).map(Map.Entry::getKey).sorted().toList();
    ModelManifest manifest = ModelVersion.READY.equals(status) ? ModelPackage.readManifest(source, hadoop) : null;
    return new ModelVersion(model, version, status, (String) row.get("run_id"), source, (Instant) row.get("created_at"),
        named, tags.getOrDefault(version, Map.of()), manifest);
  }

  @Override
  public Map<String, Long> aliases(String model) {
    if (versionsOf(model).isEmpty()) {
      throw RegistryErrors.unknownModel("list aliases of", model, modelNames());
    }
    return aliasesOf(model);
  }

  private Map<String, Long> aliasesOf(String model) {
    Map<String, Long> aliases = new TreeMap<>();
    for (Map<String, Object> row : read(RegistryTables.ALIASES).rows()) {
      if (named(model).test(row)) {
        aliases.put((String) row.get("alias"), version(row));
      }
    }
    return aliases;
  }

  private Map<Long, Map<String, String>> tags(String model) {
    List<Map<String, Object>> rows = new ArrayList<>(read(RegistryTables.VERSION_TAGS).rows().stream().filter(named(model)).toList());
    rows.sort(Comparator.comparing(r -> (String) r.get("key")));
    Map<Long, Map<String, String>> tags = new LinkedHashMap<>();
    for (Map<String, Object> row : rows) {
      tags.computeIfAbsent(version(row), v -> new LinkedHashMap<>()).put((String) row.get("key"), (String) row.get("value"));
    }
    return tags;
  }

  private List<String> modelNames() {
    TreeSet<String> names = new TreeSet<>();
    read(RegistryTables.VERSIONS).rows().forEach(r -> names.add((String) r.get("name")));
    return List.copyOf(names);
  }

  private List<Map<String, Object>> versionsOf(String model) {
    return read(RegistryTables.VERSIONS).rows().stream().filter(named(model)).toList();
  }

  private TableContents read(TableName table) {
    String location = layout.table(table);
    return tables.read(location).orElseThrow(() -> Errors.invalidInput("read", "registry table " + table,
        "there is no Delta table at " + location, "Check lake.root; opening the registry again creates its empty tables."));
  }

  /** Rewrites {@code table} with {@code change} applied to its rows, read again and retried when another writer commits first. */
  private void rewrite(TableName table, String verb, String thing, java.util.function.UnaryOperator<List<Map<String, Object>>> change) {
    retrying(verb, thing, () -> {
      TableContents current = read(table);
      return tables.rewrite(current, change.apply(current.rows()));
    });
  }

  /** {@code rows} without those {@code replaced} matches, then {@code added}. */
  private static List<Map<String, Object>> upsert(List<Map<String, Object>> rows, Predicate<Map<String, Object>> replaced,
      List<Map<String, Object>> added) {
    List<Map<String, Object>> out = new ArrayList<>(rows.stream().filter(replaced.negate()).toList());
    out.addAll(added);
    return out;
  }

  private static Predicate<Map<String, Object>> named(String model) {
    return row -> Objects.equals(model, row.get("name"));
  }

  private static long version(Map<String, Object> row) {
    return (Long) row.get("version");
  }

  private static Map<String, Object> row(Object... namesAndValues) {
    Map<String, Object> row = new LinkedHashMap<>();
    for (int i = 0; i < namesAndValues.length; i += 2) {
      row.put((String) namesAndValues[i], namesAndValues[i + 1]);
    }
    return row;
  }

  /** Runs a read-modify-write, retrying (with jittered backoff) when another writer committed to the table first. */
  private static <T> T retrying(String verb, String thing, Supplier<T> write) {
    for (int attempt = 1; ; attempt++) {
      try {
        return write.get();
      } catch (TableChangedException e) {
        if (attempt == ATTEMPTS) {
          throw Errors.conflict(verb, thing, "other writers kept committing at the same time", e);
        }
        try {
          Thread.sleep(ThreadLocalRandom.current().nextLong(20, 60L * attempt));
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          throw Errors.conflict(verb, thing, "interrupted while retrying", e);
        }
      }
    }
  }

  private static String stripSlash(String s) {
    return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
  }
}
