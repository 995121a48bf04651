package io.treeline.jobs.features;

import io.treeline.featurestore.offline.Materializer;
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

/** Computes feature views into their offline Delta tables, for all time or a range [from, until). */
public final class MaterializeFeatures implements Job<MaterializeFeatures.Result> {
  private final List<String> viewNames;
  private final Optional<LocalDateTime> from;
  private final Optional<LocalDateTime> until;
  private final boolean online;
  private final boolean strict;

  public MaterializeFeatures(List<String> viewNames, Optional<LocalDateTime> from, Optional<LocalDateTime> until, boolean online) {
    this(viewNames, from, until, online, false);
  }

  /** @param strict stop with exit 2, writing nothing, when a source row has no usable event time */
  public MaterializeFeatures(
      List<String> viewNames, Optional<LocalDateTime> from, Optional<LocalDateTime> until, boolean online, boolean strict) {
    this.viewNames = List.copyOf(viewNames);
    this.from = from;
    this.until = until;
    this.online = online;
    this.strict = strict;
  }

  public record Result(List<Materializer.Result> views, double elapsedSeconds, PushOnline.Result pushed) implements JobResult {
    public long rowsWritten() {
      return views.stream().mapToLong(Materializer.Result::rowsWritten).sum();
    }

    @Override
    public String summaryLine() {
      return String.format("Materialized %d views: %,d rows in %.1f s", views.size(), rowsWritten(), elapsedSeconds)
          + (pushed == null ? "" : "; " + pushed.summaryLine());
    }

    @Override
    public Map<String, Object> summary() {
      Map<String, Object> summary = new LinkedHashMap<>();
      List<Map<String, Object>> each = new ArrayList<>();
      for (Materializer.Result view : views) {
        Map<String, Object> one = new LinkedHashMap<>();
        one.put("view", view.view());
        one.put("table", view.table());
        one.put("rows_written", view.rowsWritten());
        one.put("delta_version", view.deltaVersion());
        one.put("range", view.range());
        one.put("unplaced_rows", view.unplacedRows());
        each.add(one);
      }
      summary.put("views", each);
      summary.put("rows_written", rowsWritten());
      summary.put("unplaced_rows", views.stream().mapToLong(Materializer.Result::unplacedRows).sum());
      summary.put("elapsed_seconds", elapsedSeconds);
      if (pushed != null) {
        summary.put("online", pushed.summary());
      }
      return summary;
    }

    @Override
    public List<String> warnings() {
      return views.stream().filter(v -> v.unplacedRows() > 0).map(v -> String.format(
          "%s: left out %,d source rows without an event time, or with one that does not parse (for example %s);"
              + " fix or filter them in the source, or run with --strict to stop on them", v.view(), v.unplacedRows(),
          v.unplacedExample().orElse("?"))).toList();
    }
  }

  @Override
  public Result run(JobContext context) {
    context.requireWritableLake();
    FeatureRepository repository = FeatureViews.load(context.config());
    List<FeatureView> views = viewNames.isEmpty() ? repository.views() : viewNames.stream().map(repository::get).toList();
    Materializer materializer = new Materializer(context.spark(), context.layout());
    long start = System.nanoTime();
    List<Materializer.Result> results = new ArrayList<>();
    for (FeatureView view : views) {
      context.progress().status("materializing " + view.name());
      long viewStart = System.nanoTime();
      Materializer.Result result = materializer.materialize(view, from, until, strict);
      context.out().printf("  %-22s %,12d rows  Delta version %d  %.1f s%n", view.name(), result.rowsWritten(),
          result.deltaVersion(), (System.nanoTime() - viewStart) / 1e9);
      results.add(result);
    }
    double elapsed = (System.nanoTime() - start) / 1e9;
    PushOnline.Result pushed = null;
    if (online) {
      List<String> onlineViews = views.stream().filter(FeatureView::online).map(FeatureView::name).toList();
      pushed = new PushOnline(onlineViews, until).run(context);
    }
    return new Result(results, elapsed, pushed);
  }
}
