package io.treeline.jobs.features;

import io.delta.tables.DeltaTable;
import io.treeline.featurestore.spec.FeatureView;
import io.treeline.jobs.runtime.Job;
import io.treeline.jobs.runtime.JobContext;
import io.treeline.jobs.runtime.JobResult;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Lists the feature views with their entities, features and whether they have been materialized. */
public final class ListFeatures implements Job<ListFeatures.Result> {

  public record Result(List<String> views) implements JobResult {
    @Override
    public String summaryLine() {
      return views.size() + " feature views";
    }

    @Override
    public Map<String, Object> summary() {
      Map<String, Object> summary = new LinkedHashMap<>();
      summary.put("views", views);
      return summary;
    }
  }

  @Override
  public Result run(JobContext context) {
    List<FeatureView> views = FeatureViews.load(context.config()).views();
    context.out().printf("%-22s %-22s %-7s %-8s %-7s %s%n", "VIEW", "ENTITIES", "KIND", "FEATURES", "ONLINE", "OFFLINE TABLE");
    for (FeatureView view : views) {
      String location = context.layout().table(view.offlineTable());
      String offline = DeltaTable.isDeltaTable(context.spark(), location)
          ? view.offlineTable() + " (version " + DeltaTable.forPath(context.spark(), location).history(1).first().getLong(0) + ")"
          : "not materialized";
      context.out().printf("%-22s %-22s %-7s %-8d %-7s %s%n", view.name(), String.join(",", view.entities()),
          view.timed() ? "timed" : "static", view.features().size(), view.online(), offline);
    }
    return new Result(views.stream().map(FeatureView::name).toList());
  }
}
