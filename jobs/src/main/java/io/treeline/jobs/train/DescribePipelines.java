package io.treeline.jobs.train;

import io.treeline.featurestore.spec.FeatureRepository;
import io.treeline.jobs.features.FeatureViews;
import io.treeline.jobs.runtime.Job;
import io.treeline.jobs.runtime.JobContext;
import io.treeline.jobs.runtime.JobResult;
import io.treeline.pipelines.spec.PipelineSpec;
import io.treeline.pipelines.train.MonitoredInputs;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Lists, describes or validates pipelines; validation is the parse, which is strict. */
public final class DescribePipelines implements Job<DescribePipelines.Result> {
  public enum Mode { LIST, DESCRIBE, VALIDATE }

  private final Mode mode;
  private final String name;

  public DescribePipelines(Mode mode, String name) {
    this.mode = mode;
    this.name = name;
  }

  public record Result(List<String> pipelines, Mode mode) implements JobResult {
    @Override
    public String summaryLine() {
      return switch (mode) {
        case VALIDATE -> pipelines.size() + " pipelines are valid";
        case LIST -> pipelines.size() + " pipelines";
        case DESCRIBE -> "pipeline " + pipelines.get(0);
      };
    }

    @Override
    public Map<String, Object> summary() {
      Map<String, Object> summary = new LinkedHashMap<>();
      summary.put("pipelines", pipelines);
      return summary;
    }
  }

  @Override
  public Result run(JobContext context) {
    if (mode == Mode.DESCRIBE) {
      PipelineSpec spec = Pipelines.load(context.config(), name);
      context.out().print(spec.text());
      return new Result(List.of(spec.name()), mode);
    }
    List<PipelineSpec> specs = Pipelines.all(context.config());
    FeatureRepository repository = null;
    for (PipelineSpec spec : specs) {
      if (mode == Mode.VALIDATE) {
        // Only per-input thresholds need the views; a pipelines directory checked on its own stays checkable without them.
        if (!spec.monitoring().featureThresholds().isEmpty()) {
          repository = repository == null ? FeatureViews.load(context.config()) : repository;
          MonitoredInputs.check(spec, repository);
        }
        context.out().printf("ok    %-24s %s%n", spec.name(), spec.file());
      } else {
        context.out().printf("%-24s %-26s %-7s features: %s%n", spec.name(), spec.model().type().name().toLowerCase(java.util.Locale.ROOT),
            spec.split().by(), String.join(", ", spec.features()));
      }
    }
    return new Result(specs.stream().map(PipelineSpec::name).toList(), mode);
  }
}
