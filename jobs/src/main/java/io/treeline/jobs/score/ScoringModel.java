package io.treeline.jobs.score;

import io.treeline.modelpackage.compiled.SparkPipelineSpecs;
import io.treeline.core.error.Errors;
import io.treeline.core.lake.LakeLayout;
import io.treeline.modelpackage.ModelManifest;
import io.treeline.registry.ModelRegistry;
import io.treeline.registry.ModelVersion;
import io.treeline.serving.compile.CompiledPipeline;
import io.treeline.modelpackage.compiled.UnsupportedStageException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.FileUtil;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.sql.SparkSession;

/**
 * A registered version made ready to score on the executors: its package downloaded, its
 * {@code treeline.json} read, its PipelineModel loaded on the driver and compiled once there (so a
 * stage serving cannot compile fails the job before any row is read). On a cluster the package is
 * first copied into the lake, since executors cannot read the driver's local disk.
 */
public record ScoringModel(ModelVersion version, ModelManifest manifest, PipelineModel pipeline, CompiledPipeline compiled) {

  public static ScoringModel load(SparkSession spark, ModelRegistry registry, LakeLayout layout, ModelVersion version) {
    if (version.manifest() == null) {
      throw Errors.invalidInput("score", "with " + version, "the version is " + version.status() + ", not READY",
          "Score with a READY version (`treeline models list " + version.model() + "`).");
    }
    Path local;
    try {
      local = Files.createTempDirectory("treeline-score-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    String staged = null;
    try {
      registry.download(version, local);
      ModelManifest manifest = ModelManifest.read(local);
      String sparkml = local.resolve("sparkml").toUri().toString();
      if (!spark.sparkContext().isLocal()) {
        staged = layout.root() + "/_tmp/score-" + UUID.randomUUID() + "/sparkml";
        copyToLake(spark, local.resolve("sparkml"), staged);
        sparkml = staged;
      }
      PipelineModel pipeline = PipelineModel.load(sparkml);
      CompiledPipeline compiled;
      try {
        compiled = CompiledPipeline.compile(SparkPipelineSpecs.of(pipeline), manifest.decision());
      } catch (UnsupportedStageException e) {
        throw Errors.invalidInput("score", "with " + version, e.getMessage(),
            "Batch scoring runs the same compiled pipeline as serving: retrain with supported stages (docs/serving.md).");
      }
      return new ScoringModel(version, manifest, pipeline, compiled);
    } finally {
      delete(local);
      if (staged != null) {
        deleteFromLake(spark, staged.substring(0, staged.length() - "/sparkml".length()));
      }
    }
  }

  /** The MLflow run id when the registry is MLflow, else Treeline's own run id. */
  public String runId() {
    return version.runId() != null ? version.runId() : manifest.runId();
  }

  private static void copyToLake(SparkSession spark, Path from, String to) {
    try {
      org.apache.hadoop.fs.Path target = new org.apache.hadoop.fs.Path(to);
      FileSystem targetFs = target.getFileSystem(spark.sparkContext().hadoopConfiguration());
      FileSystem localFs = FileSystem.getLocal(spark.sparkContext().hadoopConfiguration());
      FileUtil.copy(localFs, new org.apache.hadoop.fs.Path(from.toUri()), targetFs, target, false, spark.sparkContext().hadoopConfiguration());
    } catch (IOException e) {
      throw Errors.jobFailed("copy", "the model package into the lake at " + to, e.getMessage(),
          "Executors read the model from the lake; check that the lake is writable.", e);
    }
  }

  private static void deleteFromLake(SparkSession spark, String location) {
    try {
      org.apache.hadoop.fs.Path path = new org.apache.hadoop.fs.Path(location);
      path.getFileSystem(spark.sparkContext().hadoopConfiguration()).delete(path, true);
    } catch (IOException e) {
      // a leftover copy under _tmp harms nothing; the next run uses its own directory
    }
  }

  private static void delete(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // a temp directory left behind is not worth failing a finished job for
    }
  }
}
