package io.treeline.jobs.models;

import io.treeline.core.json.JsonObjects;
import io.treeline.jobs.runtime.Job;
import io.treeline.jobs.runtime.JobContext;
import io.treeline.jobs.runtime.JobResult;
import io.treeline.registry.ModelRegistry;
import io.treeline.registry.ModelVersion;
import io.treeline.registry.RegisteredModel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** Lists the registered models, or the versions of one model, newest first. */
public final class ListModels implements Job<ListModels.Result> {
  private final String model;

  /** @param model null for every model */
  public ListModels(String model) {
    this.model = model;
  }

  public record Result(String line, List<Map<String, Object>> rows) implements JobResult {
    @Override
    public String summaryLine() {
      return line;
    }

    @Override
    public Map<String, Object> summary() {
      return JsonObjects.of("rows", rows);
    }
  }

  @Override
  public Result run(JobContext context) {
    ModelRegistry registry = context.registry();
    List<Map<String, Object>> rows = new ArrayList<>();
    if (model == null) {
      List<RegisteredModel> models = registry.models();
      context.out().printf("%-28s %7s  %s%n", "MODEL", "LATEST", "ALIASES");
      for (RegisteredModel m : models) {
        String aliases = m.aliases().entrySet().stream().map(e -> e.getKey() + "→" + e.getValue()).collect(Collectors.joining(", "));
        context.out().printf("%-28s %7d  %s%n", m.name(), m.latestVersion(), aliases);
        rows.add(JsonObjects.of("model", m.name(), "latest_version", m.latestVersion(), "aliases", m.aliases()));
      }
      return new Result(models.size() + " registered model(s) in the " + registry.kind() + " registry at " + registry.location() + ".", rows);
    }
    List<ModelVersion> versions = registry.versions(model, Map.of());
    context.out().printf("%7s  %-20s  %-24s  %-36s  %-9s  %s%n", "VERSION", "STATUS", "CREATED", "RUN", "METRIC", "ALIASES");
    for (ModelVersion v : versions) {
      String metric = headline(v);
      context.out().printf("%7d  %-20s  %-24s  %-36s  %-9s  %s%n", v.version(), v.status(), v.createdAt().toString().replaceFirst("\\.\\d+Z$", "Z"),
          v.runId(), metric, String.join(", ", v.aliases()));
      rows.add(JsonObjects.of("version", v.version(), "status", v.status(), "created_at", v.createdAt().toString(), "run_id", v.runId(),
          "aliases", v.aliases(), "metrics", v.metrics()));
    }
    return new Result(model + ": " + versions.size() + " version(s).", rows);
  }

  /** test AUC for classifiers, test RMSE for regressors. */
  static String headline(ModelVersion version) {
    Map<String, Double> metrics = version.metrics();
    if (metrics.containsKey("test_auc")) {
      return String.format("auc %.4f", metrics.get("test_auc"));
    }
    if (metrics.containsKey("test_rmse")) {
      return String.format("rmse %.3f", metrics.get("test_rmse"));
    }
    return "";
  }
}
