package io.treeline.jobs.features;

import io.delta.tables.DeltaTable;
import io.treeline.core.error.Errors;
import io.treeline.featurestore.online.Freshness;
import io.treeline.featurestore.online.LatestValues;
import io.treeline.featurestore.online.OnlineStore;
import io.treeline.featurestore.offline.ViewSource;
import io.treeline.featurestore.online.OnlineStores;
import io.treeline.featurestore.spec.FeatureRepository;
import io.treeline.featurestore.spec.FeatureView;
import io.treeline.jobs.runtime.Job;
import io.treeline.jobs.runtime.JobContext;
import io.treeline.jobs.runtime.JobResult;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Fills the online store from the offline tables: per entity of each online view, the values known
 * at --until (or the newest). Runs on the executors; a write never replaces a newer value.
 */
public final class PushOnline implements Job<PushOnline.Result> {
  private final List<String> viewNames;
  private final Optional<LocalDateTime> asOf;

  public PushOnline(List<String> viewNames, Optional<LocalDateTime> asOf) {
    this.viewNames = List.copyOf(viewNames);
    this.asOf = asOf;
  }

  public record Pushed(String view, long entitiesWritten, Freshness freshness) {}

  public record Result(String store, List<Pushed> views) implements JobResult {
    @Override
    public String summaryLine() {
      return String.format("Pushed %d views to the %s online store: %,d entities written", views.size(), store,
          views.stream().mapToLong(Pushed::entitiesWritten).sum());
    }

    @Override
    public Map<String, Object> summary() {
      Map<String, Object> summary = new LinkedHashMap<>();
      summary.put("store", store);
      List<Map<String, Object>> each = new ArrayList<>();
      for (Pushed pushed : views) {
        Map<String, Object> one = new LinkedHashMap<>();
        one.put("view", pushed.view());
        one.put("entities_written", pushed.entitiesWritten());
        one.put("entities", pushed.freshness().entities());
        one.put("newest_feature_time", String.valueOf(pushed.freshness().newestFeatureTime()));
        one.put("newest_source_time", String.valueOf(pushed.freshness().newestSourceTime()));
        each.add(one);
      }
      summary.put("views", each);
      return summary;
    }
  }

  /**
   * Without --as-of, the values known just after the view's newest source row became known: the
   * state at the end of the data. (The timeline goes on past it, to when the last rows leave their
   * windows; serving those emptied windows would be right for "now" but useless on historical data.)
   */
  private static LocalDateTime justAfterNewestRow(JobContext context, FeatureView view) {
    Object newest = ViewSource.prepared(context.spark(), context.layout(), view)
        .agg(org.apache.spark.sql.functions.max(ViewSource.AVAILABLE_AT)).first().get(0);
    return newest == null ? LocalDateTime.now() : ((LocalDateTime) newest).plusNanos(1000);
  }

  @Override
  public Result run(JobContext context) {
    FeatureRepository repository = FeatureViews.load(context.config());
    List<FeatureView> views = viewNames.isEmpty()
        ? repository.views().stream().filter(FeatureView::online).toList()
        : viewNames.stream().map(repository::get).toList();
    List<Pushed> pushed = new ArrayList<>();
    LocalDateTime now = LocalDateTime.now();
    try (OnlineStore store = OnlineStores.open(context.config(), context.spark())) {
      for (FeatureView view : views) {
        String location = context.layout().table(view.offlineTable());
        if (!DeltaTable.isDeltaTable(context.spark(), location)) {
          throw Errors.invalidInput("push", "view " + view.name() + " online", "it has not been materialized",
              "Run `treeline features materialize --view " + view.name() + "` first.");
        }
        context.progress().status("pushing " + view.name() + " online");
        var table = LatestValues.table(view);
        Optional<LocalDateTime> moment = asOf.isPresent() || !view.timed() ? asOf : Optional.of(justAfterNewestRow(context, view));
        long written = store.write(table, LatestValues.of(view, context.spark().read().format("delta").load(location), moment, now));
        Freshness freshness = store.freshness(table);
        context.out().printf("  %-22s %,9d entities written, %,9d held, newest %s%n", view.name(), written, freshness.entities(),
            freshness.newestFeatureTime());
        pushed.add(new Pushed(view.name(), written, freshness));
      }
    }
    return new Result(context.config().onlineStoreType(), pushed);
  }
}
