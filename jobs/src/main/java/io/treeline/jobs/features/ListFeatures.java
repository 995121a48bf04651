package io.treeline.jobs.features;

import io.treeline.core.lake.DeltaLogs;
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
      // One listing of the table's log, no Spark: a metadata command answers in seconds.
      long version = DeltaLogs.latestVersion(location, context.hadoopConf());
      String offline = version >= 0 ? view.offlineTable() + " (version " + version + ")" : "not materialized";
      context.out().printf("%-22s %-22s %-7s %-8d %-7s %s%n", view.name(), String.join(",", view.entities()),
          view.timed() ? "timed" : "static", view.features().size(), view.online(), offline);
    }
    return new Result(views.stream().map(FeatureView::name).toList());
  }
}
