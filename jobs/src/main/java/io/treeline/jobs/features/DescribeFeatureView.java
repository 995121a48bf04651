package io.treeline.jobs.features;

import io.treeline.featurestore.spec.FeatureSpec;
import io.treeline.featurestore.spec.FeatureView;
import io.treeline.jobs.runtime.Job;
import io.treeline.jobs.runtime.JobContext;
import io.treeline.jobs.runtime.JobResult;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;

/** Prints everything a view declares and where its offline table lives. */
public final class DescribeFeatureView implements Job<DescribeFeatureView.Result> {
  private final String name;

  public DescribeFeatureView(String name) {
    this.name = name;
  }

  public record Result(String view, int features) implements JobResult {
    @Override
    public String summaryLine() {
      return "view " + view + ": " + features + " features";
    }

    @Override
    public Map<String, Object> summary() {
      Map<String, Object> summary = new LinkedHashMap<>();
      summary.put("view", view);
      summary.put("features", features);
      return summary;
    }
  }

  @Override
  public Result run(JobContext context) {
    FeatureView view = FeatureViews.load(context.config()).get(name);
    PrintStream out = context.out();
    out.println("view:          " + view.name());
    out.println("description:   " + view.description());
    out.println("owner:         " + view.owner());
    out.println("tags:          " + view.tags());
    out.println("file:          " + view.file());
    out.println("entities:      " + String.join(", ", view.entities()));
    out.println("source:        " + view.source().describe() + view.source().filter().map(f -> " where " + f).orElse(""));
    view.columns().forEach((column, expr) -> out.println("column:        " + column + " = " + expr));
    out.println("event time:    " + view.eventTime().orElse("(none: a static view, valid at all times)"));
    out.println("available at:  " + view.availableAt().orElse(view.eventTime().isPresent() ? "the event time" : "-"));
    out.println("ttl:           " + view.ttl().map(Object::toString).orElse("none"));
    out.println("online:        " + view.online());
    out.println("offline table: " + view.offlineTable() + " at " + context.layout().table(view.offlineTable()));
    out.println("features:");
    for (FeatureSpec feature : view.features()) {
      String how = feature.rowLevel()
          ? (view.timed() ? "latest value of " : "") + feature.expr().orElseThrow()
          : feature.effectiveAggregation().key() + "(" + feature.valueExpression() + ")" + feature.window().map(w -> " over " + w).orElse(" (latest)");
      out.printf("  %-20s %s%s%n", feature.name(), how, feature.description().isEmpty() ? "" : "  — " + feature.description());
    }
    return new Result(view.name(), view.features().size());
  }
}
