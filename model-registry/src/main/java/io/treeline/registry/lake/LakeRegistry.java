package io.treeline.registry.lake;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;

import io.delta.exceptions.DeltaConcurrentModificationException;
import io.delta.tables.DeltaTable;
import io.treeline.core.error.Errors;
import io.treeline.core.lake.DeltaLogs;
import io.treeline.core.lake.LakeLayout;
import io.treeline.core.lake.TableName;
import io.treeline.registry.Artifacts;
import io.treeline.registry.LoggedRun;
import io.treeline.modelpackage.ModelManifest;
import io.treeline.modelpackage.ModelPackage;
import io.treeline.registry.ModelRef;
import io.treeline.registry.ModelRegistry;
import io.treeline.registry.ModelVersion;
import io.treeline.registry.RegisteredModel;
import io.treeline.registry.RegistryErrors;
import io.treeline.registry.RunRecord;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;

/**
 * The embedded registry: runs, versions, version tags and aliases in Delta tables under
 * {@code <lake>/tables/registry/}, model packages under {@code <lake>/models/<name>/<version>/}.
 *
 * <p>A version is registered in three steps, like MLflow's own statuses: its row is committed as
 * PENDING_REGISTRATION (Delta's conflict check gives concurrent registrations distinct numbers),
 * the package is copied, and the row becomes READY (or FAILED_REGISTRATION). An alias move is a
 * single MERGE, one commit.
 */
public final class LakeRegistry implements ModelRegistry {
  private static final int ATTEMPTS = 12;

  private final SparkSession spark;
  private final LakeLayout layout;

  public LakeRegistry(SparkSession spark, LakeLayout layout) {
    this.spark = spark;
    this.layout = layout;
    RegistryTables.createIfMissing(spark, layout);
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
      Artifacts.copyDirectory(run.artifactsDir(), artifactUri, hadoop());
    }
    Row row = RowFactory.create(run.runId(), run.experiment(), run.succeeded() ? "FINISHED" : "FAILED",
        timestamp(run.startedAt()), timestamp(run.endedAt()), artifactUri,
        run.params(), run.metrics(), run.tags());
    retrying("log", "run " + run.runId(), () -> {
      table(RegistryTables.RUNS).as("t").merge(frame(RegistryTables.RUNS_SCHEMA, row).as("s"), "t.run_id = s.run_id")
          .whenMatched().updateAll().whenNotMatched().insertAll().execute();
      return null;
    });
    return new LoggedRun(run.runId(), run.experiment(), artifactUri);
  }

  @Override
  public ModelVersion register(String model, LoggedRun run, String artifactPath, Map<String, String> tags) {
    ModelRef.name(model, model);
    String source = run.artifactUri() + "/" + artifactPath;
    if (!Artifacts.exists(source + "/" + ModelPackage.MLMODEL, hadoop())) {
      throw Errors.invalidInput("register", "model " + model + " from run " + run.runId(), source + " holds no MLmodel file",
          "Register the model/ directory of a training run.");
    }
    String registration = UUID.randomUUID().toString();
    long version = allocate(model, run.runId(), registration);
    String target = layout.modelVersion(model, version);
    try {
      Artifacts.copyDirectory(source, target, hadoop());
      writeTags(model, version, tags);
      setStatus(model, version, ModelVersion.READY);
    } catch (RuntimeException e) {
      setStatus(model, version, "FAILED_REGISTRATION");
      throw Errors.jobFailed("register", "model " + model + "/" + version, e.getMessage(),
          "The version is marked FAILED_REGISTRATION; register the run again.", e);
    }
    return resolve(ModelRef.ofVersion(model, version));
  }

  /** Commits the next version number; a concurrent registration that took it makes this retry. */
  private long allocate(String model, String runId, String registration) {
    return retrying("register", "model " + model, () -> {
      Row latest = versions().where(col("name").equalTo(model)).agg(max("version")).first();
      long next = latest.isNullAt(0) ? 1 : latest.getLong(0) + 1;
      Row row = RowFactory.create(model, next, "PENDING_REGISTRATION", runId, layout.modelVersion(model, next),
          Timestamp.from(Instant.now()), registration);
      table(RegistryTables.VERSIONS).as("t")
          .merge(frame(RegistryTables.VERSIONS_SCHEMA, row).as("s"), "t.name = s.name AND t.version = s.version")
          .whenNotMatched().insertAll().execute();
      Row mine = versions().where(col("name").equalTo(model).and(col("version").equalTo(next))).select("registration_id").first();
      if (!registration.equals(mine.getString(0))) {
        throw new VersionTaken();
      }
      return next;
    });
  }

  private void setStatus(String model, long version, String status) {
    retrying("register", "model " + model, () -> {
      table(RegistryTables.VERSIONS).update(col("name").equalTo(model).and(col("version").equalTo(version)),
          Map.of("status", lit(status)));
      return null;
    });
  }

  /** The newest commits of the versions and aliases tables: one directory listing each, no Spark job. */
  @Override
  public Object changeMarker() {
    return java.util.List.of(DeltaLogs.latestVersion(layout.table(RegistryTables.VERSIONS), hadoop()),
        DeltaLogs.latestVersion(layout.table(RegistryTables.ALIASES), hadoop()));
  }

  @Override
  public ModelVersion resolve(ModelRef ref) {
    List<Row> rows = versions().where(col("name").equalTo(ref.model())).collectAsList();
    if (rows.isEmpty()) {
      throw RegistryErrors.unknownModel("resolve", ref.model(), modelNames());
    }
    Map<String, Long> aliases = aliasesOf(ref.model());
    long latest = rows.stream().mapToLong(r -> r.<Long>getAs("version")).max().getAsLong();
    long version;
    if (ref.alias() != null) {
      if (!aliases.containsKey(ref.alias())) {
        throw RegistryErrors.unknownAlias("resolve", ref.model(), ref.alias(), aliases.keySet());
      }
      version = aliases.get(ref.alias());
    } else if (ref.version() != null) {
      version = ref.version();
    } else {
      version = rows.stream().filter(r -> ModelVersion.READY.equals(r.getAs("status"))).mapToLong(r -> r.<Long>getAs("version")).max()
          .orElseThrow(() -> RegistryErrors.unknownModel("resolve", ref.model(), List.of()));
    }
    Row found = rows.stream().filter(r -> r.<Long>getAs("version") == version).findFirst()
        .orElseThrow(() -> RegistryErrors.unknownVersion("resolve", ref.model(), version, latest));
    return toVersion(found, aliases, tags(ref.model()));
  }

  @Override
  public List<RegisteredModel> models() {
    List<RegisteredModel> models = new ArrayList<>();
    for (Row row : versions().groupBy("name").agg(max("version")).orderBy("name").collectAsList()) {
      models.add(new RegisteredModel(row.getString(0), row.getLong(1), aliasesOf(row.getString(0))));
    }
    return models;
  }

  @Override
  public List<ModelVersion> versions(String model, Map<String, String> withTags) {
    List<Row> rows = versions().where(col("name").equalTo(model)).orderBy(col("version").desc()).collectAsList();
    if (rows.isEmpty()) {
      throw RegistryErrors.unknownModel("list", model, modelNames());
    }
    Map<String, Long> aliases = aliasesOf(model);
    Map<Long, Map<String, String>> tags = tags(model);
    List<ModelVersion> out = new ArrayList<>();
    for (Row row : rows) {
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
    Row row = RowFactory.create(model, alias, version, Timestamp.from(Instant.now()));
    retrying("set", "alias " + model + "@" + alias, () -> {
      table(RegistryTables.ALIASES).as("t")
          .merge(frame(RegistryTables.ALIASES_SCHEMA, row).as("s"), "t.name = s.name AND t.alias = s.alias")
          .whenMatched().updateAll().whenNotMatched().insertAll().execute();
      return null;
    });
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
    retrying("delete", "alias " + model + "@" + alias, () -> {
      table(RegistryTables.ALIASES).delete(col("name").equalTo(model).and(col("alias").equalTo(alias)));
      return null;
    });
  }

  @Override
  public void setVersionTag(String model, long version, String key, String value) {
    long exists = versions().where(col("name").equalTo(model).and(col("version").equalTo(version))).count();
    if (exists == 0) {
      resolve(ModelRef.ofVersion(model, version)); // throws the right "unknown" error
    }
    writeTags(model, version, Map.of(key, value));
  }

  /** Sets several tags of a version in one commit. */
  private void writeTags(String model, long version, Map<String, String> tags) {
    if (tags.isEmpty()) {
      return;
    }
    List<Row> rows = tags.entrySet().stream().map(t -> RowFactory.create(model, version, t.getKey(), t.getValue())).toList();
    retrying("tag", "model " + model + "/" + version, () -> {
      table(RegistryTables.VERSION_TAGS).as("t")
          .merge(spark.createDataFrame(rows, RegistryTables.VERSION_TAGS_SCHEMA).as("s"),
              "t.name = s.name AND t.version = s.version AND t.key = s.key")
          .whenMatched().updateAll().whenNotMatched().insertAll().execute();
      return null;
    });
  }

  @Override
  public Path download(ModelVersion version, Path target) {
    Artifacts.copyDirectory(version.source(), target.toAbsolutePath().toUri().toString(), hadoop());
    return target;
  }

  @Override
  public void close() {}

  private ModelVersion toVersion(Row row, Map<String, Long> aliases, Map<Long, Map<String, String>> tags) {
    String model = row.getAs("name");
    long version = row.getAs("version");
    String status = row.getAs("status");
    String source = row.getAs("source");
    List<String> named = aliases.entrySet().stream().filter(e -> e.getValue() == version).map(Map.Entry::getKey).sorted().toList();
    ModelManifest manifest = ModelVersion.READY.equals(status) ? ModelPackage.readManifest(source, hadoop()) : null;
    return new ModelVersion(model, version, status, row.getAs("run_id"), source, ((Timestamp) row.getAs("created_at")).toInstant(),
        named, tags.getOrDefault(version, Map.of()), manifest);
  }

  @Override
  public Map<String, Long> aliases(String model) {
    if (versions().where(col("name").equalTo(model)).isEmpty()) {
      throw RegistryErrors.unknownModel("list aliases of", model, modelNames());
    }
    return aliasesOf(model);
  }

  private Map<String, Long> aliasesOf(String model) {
    Map<String, Long> aliases = new TreeMap<>();
    for (Row row : read(RegistryTables.ALIASES).where(col("name").equalTo(model)).collectAsList()) {
      aliases.put(row.getAs("alias"), row.getAs("version"));
    }
    return aliases;
  }

  private Map<Long, Map<String, String>> tags(String model) {
    Map<Long, Map<String, String>> tags = new LinkedHashMap<>();
    for (Row row : read(RegistryTables.VERSION_TAGS).where(col("name").equalTo(model)).orderBy("key").collectAsList()) {
      tags.computeIfAbsent(row.getAs("version"), v -> new LinkedHashMap<>()).put(row.getAs("key"), row.getAs("value"));
    }
    return tags;
  }

  private List<String> modelNames() {
    return versions().select("name").distinct().orderBy("name").as(org.apache.spark.sql.Encoders.STRING()).collectAsList();
  }

  private Dataset<Row> versions() {
    return read(RegistryTables.VERSIONS);
  }

  private Dataset<Row> read(TableName table) {
    return spark.read().format("delta").load(layout.table(table));
  }

  private DeltaTable table(TableName table) {
    return DeltaTable.forPath(spark, layout.table(table));
  }

  private Dataset<Row> frame(StructType schema, Row row) {
    return spark.createDataFrame(List.of(row), schema);
  }

  private org.apache.hadoop.conf.Configuration hadoop() {
    return spark.sparkContext().hadoopConfiguration();
  }

  /** Runs a Delta write, retrying (with jittered backoff) when a concurrent commit conflicts with it. */
  private static <T> T retrying(String verb, String thing, Supplier<T> write) {
    for (int attempt = 1; ; attempt++) {
      try {
        return write.get();
      } catch (DeltaConcurrentModificationException | VersionTaken e) {
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

  /** The version number read as free was committed by another registration first. */
  private static final class VersionTaken extends RuntimeException {
    VersionTaken() {
      super("the version number was taken by a concurrent registration", null, false, false);
    }
  }


  private static Timestamp timestamp(Instant instant) {
    return instant == null ? null : Timestamp.from(instant);
  }

  private static String stripSlash(String s) {
    return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
  }
}
