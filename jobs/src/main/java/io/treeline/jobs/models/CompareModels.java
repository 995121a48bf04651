package io.treeline.jobs.models;

import io.treeline.core.json.JsonObjects;
import io.treeline.jobs.runtime.Job;
import io.treeline.jobs.runtime.JobContext;
import io.treeline.jobs.runtime.JobResult;
import io.treeline.jobs.train.Registration;
import io.treeline.registry.ModelRef;
import io.treeline.registry.ModelRegistry;
import io.treeline.registry.ModelVersion;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/** Two versions of a model side by side: metrics (with the better one marked) and training data. */
public final class CompareModels implements Job<CompareModels.Result> {
  private final String model;
  private final String a;
  private final String b;

  /** {@code a} and {@code b} are version numbers or aliases. */
  public CompareModels(String model, String a, String b) {
    this.model = ModelRef.name(model, model);
    this.a = a;
    this.b = b;
  }

  public record Result(ModelVersion a, ModelVersion b, List<Map<String, Object>> metrics) implements JobResult {
    @Override
    public String summaryLine() {
      long better = metrics.stream().filter(m -> "b".equals(m.get("better"))).count();
      long worse = metrics.stream().filter(m -> "a".equals(m.get("better"))).count();
      return String.format("%s against %s: better on %d metric(s), worse on %d.", b, a, better, worse);
    }

    @Override
    public Map<String, Object> summary() {
      return JsonObjects.of("a", a.toString(), "b", b.toString(), "metrics", metrics);
    }
  }

  @Override
  public Result run(JobContext context) {
    ModelRegistry registry = context.registry();
    ModelVersion first = registry.resolve(ref(a));
    ModelVersion second = registry.resolve(ref(b));
    Set<String> names = new LinkedHashSet<>(first.metrics().keySet());
    names.addAll(second.metrics().keySet());
    context.out().printf("%-28s %12s %12s %12s%n", "METRIC", label("A", first, a), label("B", second, b), "B - A");
    List<Map<String, Object>> rows = new ArrayList<>();
    for (String name : names) {
      Double x = first.metrics().get(name);
      Double y = second.metrics().get(name);
      String better = x == null || y == null || x.equals(y) ? "" : (Registration.lowerIsBetter(name) ? y < x : y > x) ? "b" : "a";
      context.out().printf("%-28s %12s %12s %12s %s%n", name, format(x), format(y),
          x == null || y == null ? "" : String.format("%+.4f", y - x), better.isEmpty() ? "" : better.equals("b") ? "B better" : "A better");
      rows.add(JsonObjects.of("metric", name, "a", x, "b", y, "better", better));
    }
    Map<String, Long> setA = first.manifest() == null ? Map.of() : first.manifest().trainingInputs();
    Map<String, Long> setB = second.manifest() == null ? Map.of() : second.manifest().trainingInputs();
    context.out().println("training inputs: " + (Objects.equals(setA, setB) ? "the same (" + setA + ")" : "A " + setA + ", B " + setB));
    return new Result(first, second, rows);
  }

  private ModelRef ref(String versionOrAlias) {
    return versionOrAlias.matches("[0-9]+") ? ModelRef.ofVersion(model, Long.parseLong(versionOrAlias)) : ModelRef.ofAlias(model, versionOrAlias);
  }

  private static String label(String side, ModelVersion version, String asked) {
    return side + " " + (asked.matches("[0-9]+") ? "v" + version.version() : asked + "=v" + version.version());
  }

  private static String format(Double value) {
    return value == null ? "-" : String.format("%.4f", value);
  }
}
