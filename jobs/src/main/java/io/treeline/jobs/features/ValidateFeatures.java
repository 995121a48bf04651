package io.treeline.jobs.features;

import io.treeline.featurestore.spec.FeatureRepository;
import io.treeline.featurestore.spec.FeatureView;
import io.treeline.featurestore.spec.FeatureViewChecker;
import io.treeline.jobs.runtime.Job;
import io.treeline.jobs.runtime.JobContext;
import io.treeline.jobs.runtime.JobResult;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Checks every feature view file: syntax and keys, SQL, and columns against the sources that exist. */
public final class ValidateFeatures implements Job<ValidateFeatures.Result> {

  public record Result(int views, int checkedAgainstSource, List<String> notes) implements JobResult {
    @Override
    public String summaryLine() {
      return views + " feature views are valid (" + checkedAgainstSource + " checked against their source)";
    }

    @Override
    public Map<String, Object> summary() {
      Map<String, Object> summary = new LinkedHashMap<>();
      summary.put("views", views);
      summary.put("checked_against_source", checkedAgainstSource);
      summary.put("notes", notes);
      return summary;
    }
  }

  @Override
  public Result run(JobContext context) {
    FeatureRepository repository = FeatureViews.load(context.config());
    FeatureViewChecker checker = new FeatureViewChecker(context.spark(), context.layout());
    List<String> notes = new ArrayList<>();
    int checked = 0;
    for (FeatureView view : repository.views()) {
      FeatureViewChecker.Outcome outcome = checker.check(view);
      if (outcome.notChecked().isPresent()) {
        notes.add(view.name() + ": " + outcome.notChecked().get());
        context.out().printf("ok    %-22s %s (%s)%n", view.name(), view.file(), outcome.notChecked().get());
      } else {
        checked++;
        context.out().printf("ok    %-22s %s%n", view.name(), view.file());
      }
    }
    return new Result(repository.views().size(), checked, notes);
  }
}
