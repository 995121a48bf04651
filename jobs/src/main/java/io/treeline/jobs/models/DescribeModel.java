package io.treeline.jobs.models;

import io.treeline.core.json.JsonObjects;
import io.treeline.jobs.runtime.Job;
import io.treeline.jobs.runtime.JobContext;
import io.treeline.jobs.runtime.JobResult;
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
          "treeline", version.treeline());
    }
  }

  @Override
  public Result run(JobContext context) {
    ModelVersion version = context.registry().resolve(ref);
    PrintStream out = context.out();
    Map<String, Object> treeline = version.treeline();
    out.println("model:        " + version.model());
    out.println("version:      " + version.version() + " (" + version.status() + ")");
    out.println("aliases:      " + (version.aliases().isEmpty() ? "-" : String.join(", ", version.aliases())));
    out.println("created:      " + version.createdAt());
    out.println("run:          " + version.runId() + (treeline.containsKey("run_id") ? " (treeline run " + treeline.get("run_id") + ")" : ""));
    out.println("source:       " + version.source());
    out.println("model type:   " + treeline.getOrDefault("model_type", "-"));
    if (treeline.get("training_set") instanceof Map<?, ?> set) {
      out.println("training set: " + set.get("table") + " at Delta version " + set.get("delta_version"));
    }
    if (treeline.get("training_inputs") instanceof Map<?, ?> inputs) {
      inputs.forEach((table, v) -> out.println("  input        " + table + " at Delta version " + v));
    }
    if (treeline.get("feature_views") instanceof List<?> views) {
      out.println("features:");
      for (Object view : views) {
        Map<?, ?> v = (Map<?, ?>) view;
        out.println("  " + v.get("view") + " by " + v.get("entities") + ": " + v.get("features"));
      }
    }
    if (treeline.get("request_features") instanceof List<?> request && !request.isEmpty()) {
      out.println("request features: " + request.stream().map(r -> String.valueOf(((Map<?, ?>) r).get("name"))).toList());
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
