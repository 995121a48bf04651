package io.treeline.jobs.models;

import io.treeline.core.json.JsonObjects;
import io.treeline.jobs.runtime.Job;
import io.treeline.jobs.runtime.JobContext;
import io.treeline.jobs.runtime.JobResult;
import io.treeline.modelpackage.ModelManifest;
import io.treeline.modelpackage.ModelManifest.RequestFeature;
import io.treeline.registry.ModelRef;
import io.treeline.registry.ModelVersion;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;

/** Shows one version: where it is, where it came from, its metrics and what it reads. */
public final class DescribeModel implements Job<DescribeModel.Result> {
  private final ModelRef ref;

  public DescribeModel(String ref) {
    this.ref = ModelRef.parse(ref);
  }

  public record Result(ModelVersion version) implements JobResult {
    @Override
    public String summaryLine() {
      return version + (version.aliases().isEmpty() ? "" : " (@" + String.join(", @", version.aliases()) + ")") + ", " + version.status() + ".";
    }

    @Override
    public Map<String, Object> summary() {
      return JsonObjects.of("model", version.model(), "version", version.version(), "status", version.status(), "run_id", version.runId(),
          "source", version.source(), "created_at", version.createdAt().toString(), "aliases", version.aliases(), "tags", version.tags(),
          // the document as in the package, so scripts read the same keys as in treeline.json
          "treeline", version.manifest() == null ? Map.of() : version.manifest().toJsonTree());
    }
  }

  @Override
  public Result run(JobContext context) {
    ModelVersion version = context.registry().resolve(ref);
    PrintStream out = context.out();
    ModelManifest manifest = version.manifest();
    out.println("model:        " + version.model());
    out.println("version:      " + version.version() + " (" + version.status() + ")");
    out.println("aliases:      " + (version.aliases().isEmpty() ? "-" : String.join(", ", version.aliases())));
    out.println("created:      " + version.createdAt());
    out.println("run:          " + version.runId() + (manifest == null ? "" : " (treeline run " + manifest.runId() + ")"));
    out.println("source:       " + version.source());
    out.println("model type:   " + (manifest == null ? "-" : manifest.modelType()));
    if (manifest != null) {
      out.println("training set: " + manifest.trainingSet().table() + " at Delta version " + manifest.trainingSet().deltaVersion());
      manifest.trainingInputs().forEach((table, v) -> out.println("  input        " + table + " at Delta version " + v));
      if (!manifest.featureViews().isEmpty()) {
        out.println("features:");
        manifest.featureViews().forEach(v -> out.println("  " + v.view() + " by " + v.entities() + ": " + v.features()));
      }
      if (!manifest.requestFeatures().isEmpty()) {
        out.println("request features: " + manifest.requestFeatures().stream().map(RequestFeature::name).toList());
      }
    }
    if (!version.tags().isEmpty()) {
      out.println("tags:");
      version.tags().forEach((k, v) -> out.println("  " + k + " = " + v));
    }
    out.println("metrics:");
    version.metrics().forEach((k, v) -> out.printf("  %-28s %.4f%n", k, v));
    return new Result(version);
  }
}
