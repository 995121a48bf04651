package io.treeline.jobs.models;

import io.treeline.core.error.Errors;
import io.treeline.core.error.TreelineException;
import io.treeline.core.json.JsonObjects;
import io.treeline.jobs.runtime.Job;
import io.treeline.jobs.runtime.JobContext;
import io.treeline.jobs.runtime.JobResult;
import io.treeline.modelpackage.ModelManifest;
import io.treeline.modelpackage.ModelPackage;
import io.treeline.modelpackage.compiled.PipelineSpecFile;
import io.treeline.modelpackage.compiled.SparkPipelineSpecs;
import io.treeline.modelpackage.compiled.UnsupportedStageException;
import io.treeline.registry.ModelRef;
import io.treeline.registry.ModelVersion;
import io.treeline.serving.compile.CompiledPipeline;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.ml.PipelineModel;

/**
 * Adds {@code compiled-pipeline.bin} to a version registered before training wrote it: the Spark ML
 * model read with Spark, compiled, read back and compiled again as a server would, then added to the
 * registered package. A version whose file reads back is left alone; a damaged one is written anew.
 */
public final class CompileModel implements Job<CompileModel.Result> {
  private final ModelRef ref;

  public CompileModel(String ref) {
    this.ref = ModelRef.parse(ref);
  }

  /** @param added false when the version had the file already */
  public record Result(ModelVersion version, boolean added, long bytes) implements JobResult {
    @Override
    public String summaryLine() {
      return added ? "Added " + ModelPackage.COMPILED_PIPELINE + " (" + bytes + " bytes) to " + version + ": serve loads it without Spark now."
          : version + " has " + ModelPackage.COMPILED_PIPELINE + " already; nothing to do.";
    }

    @Override
    public Map<String, Object> summary() {
      return JsonObjects.of("model", version.model(), "version", version.version(), "added", added, "bytes", bytes);
    }
  }

  @Override
  public Result run(JobContext context) {
    ModelVersion version = context.registry().resolve(ref);
    if (!ModelVersion.READY.equals(version.status())) {
      throw Errors.invalidInput("compile", version.toString(), "its status is " + version.status(), "Compile a READY version.");
    }
    Path local;
    try {
      local = Files.createTempDirectory("treeline-compile");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try {
      Path dir = context.registry().download(version, local.resolve("package"));
      Path existing = dir.resolve(ModelPackage.COMPILED_PIPELINE);
      if (Files.exists(existing) && readable(existing)) {
        return new Result(version, false, size(existing));
      }
      ModelManifest manifest = ModelManifest.read(dir);
      context.progress().status("reading the Spark ML model of " + version);
      context.spark();
      PipelineModel model = PipelineModel.load(dir.resolve(ModelPackage.SPARKML).toUri().toString());
      byte[] bytes;
      try {
        bytes = PipelineSpecFile.write(SparkPipelineSpecs.of(model));
        // What a server will do with the file: read it and compile it with the package's decision.
        CompiledPipeline.compile(PipelineSpecFile.read(bytes, ModelPackage.COMPILED_PIPELINE), manifest.decision());
      } catch (UnsupportedStageException e) {
        throw Errors.invalidInput("compile", version.toString(), e.getMessage(),
            "Serving compiles only the stages docs/serving.md lists: retrain the pipeline with those.", e);
      }
      context.registry().addToPackage(version, ModelPackage.COMPILED_PIPELINE, bytes);
      return new Result(version, true, bytes.length);
    } finally {
      delete(local);
    }
  }

  /** Whether a server can read the file: a damaged one is written anew. */
  private static boolean readable(Path file) {
    try {
      PipelineSpecFile.read(Files.readAllBytes(file), file.toString());
      return true;
    } catch (TreelineException e) {
      return false;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static long size(Path file) {
    try {
      return Files.size(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void delete(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
