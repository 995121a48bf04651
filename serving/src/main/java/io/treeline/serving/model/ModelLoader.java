package io.treeline.serving.model;

import io.treeline.modelpackage.ModelManifest;
import io.treeline.modelpackage.ModelPackage;
import io.treeline.modelpackage.compiled.PipelineSpec;
import io.treeline.modelpackage.compiled.PipelineSpecFile;
import io.treeline.registry.ModelRegistry;
import io.treeline.registry.ModelVersion;
import io.treeline.serving.compile.CompiledPipeline;
import io.treeline.serving.compile.Frame;
import io.treeline.serving.request.RequestPlan;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Downloads a registered version, reads its compiled pipeline ({@code compiled-pipeline.bin}, no
 * Spark), compiles it, plans its requests and warms it, so the first request after a swap runs at
 * full speed. A package written before that file existed is read through Spark ML once, by
 * {@link SparkModelReader}. Any failure leaves nothing behind and names the version.
 */
public final class ModelLoader {
  /** Predictions made on load so the JIT has compiled the evaluator before the version takes traffic. */
  static final int WARM_UP_ROWS = 20_000;

  private final ModelRegistry registry;
  private final Path workDir;

  public ModelLoader(ModelRegistry registry, Path workDir) {
    this.registry = registry;
    this.workDir = workDir;
  }

  public ModelRegistry registry() {
    return registry;
  }

  public ServedModel load(String servedName, String arm, ModelVersion version) {
    long start = System.nanoTime();
    Path dir = workDir.resolve(version.model() + "-" + version.version() + "-" + Long.toHexString(start));
    try {
      registry.download(version, dir);
      ModelManifest manifest = ModelManifest.read(dir);
      CompiledPipeline pipeline = CompiledPipeline.compile(spec(dir), manifest.decision());
      RequestPlan plan = RequestPlan.of(manifest, pipeline);
      warm(pipeline);
      return new ServedModel(servedName, arm, version.model(), version.version(), pipeline, plan, manifest, Instant.now(),
          (System.nanoTime() - start) / 1e9);
    } finally {
      delete(dir); // everything serving needs is in memory now
    }
  }

  private static PipelineSpec spec(Path dir) {
    Path compiled = dir.resolve(ModelPackage.COMPILED_PIPELINE);
    if (!Files.exists(compiled)) {
      return SparkModelReader.spec(dir.resolve(ModelPackage.SPARKML));
    }
    try {
      return PipelineSpecFile.read(Files.readAllBytes(compiled), compiled.toString());
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + compiled, e);
    }
  }

  private static void warm(CompiledPipeline pipeline) {
    double sink = 0;
    for (int i = 0; i < WARM_UP_ROWS; i++) {
      Frame frame = pipeline.newFrame();
      int n = 0;
      for (CompiledPipeline.Input input : pipeline.inputs().values()) {
        if (input.numeric() && (i + n++) % 3 != 0) {
          pipeline.setNumber(frame, input, (i * 31 + n * 17) % 1000); // varied values walk varied paths through the trees
        }
      }
      try {
        sink += pipeline.predict(frame).prediction();
      } catch (RuntimeException refused) {
        // a model trained to refuse missing values refuses some warm-up rows; that warms the same code
      }
    }
    if (sink == Double.MIN_VALUE) {
      System.out.print(""); // keeps the loop from being optimised away
    }
  }

  private static void delete(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
