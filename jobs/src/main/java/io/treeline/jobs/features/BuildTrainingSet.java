package io.treeline.jobs.features;

import io.treeline.core.lake.FeatureColumn;
import io.treeline.core.lake.TableName;
import io.treeline.featurestore.pit.FeatureRef;
import io.treeline.featurestore.pit.Spine;
import io.treeline.featurestore.pit.TrainingSetBuilder;
import io.treeline.jobs.runtime.Job;
import io.treeline.jobs.runtime.JobContext;
import io.treeline.jobs.runtime.JobResult;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Builds a point-in-time-correct training set into a lake table. */
public final class BuildTrainingSet implements Job<BuildTrainingSet.Result> {
  private final Spine spine;
  private final List<FeatureRef> features;
  private final TableName out;
  private final Map<String, Long> asOfVersions;

  public BuildTrainingSet(Spine spine, List<FeatureRef> features, TableName out, Map<String, Long> asOfVersions) {
    this.spine = spine;
    this.features = List.copyOf(features);
    this.out = out;
    this.asOfVersions = Map.copyOf(asOfVersions);
  }

  public record Result(TrainingSetBuilder.Result table, double elapsedSeconds) implements JobResult {
    @Override
    public String summaryLine() {
      return String.format("Wrote training set %s: %,d rows, %d feature columns, Delta version %d, in %.1f s; inputs %s",
          table.table(), table.rows(), table.featureColumns().size(), table.deltaVersion(), elapsedSeconds, table.inputVersions());
    }

    @Override
    public Map<String, Object> summary() {
      Map<String, Object> summary = new LinkedHashMap<>();
      summary.put("table", table.table());
      summary.put("rows", table.rows());
      summary.put("delta_version", table.deltaVersion());
      summary.put("feature_columns", table.featureColumns().stream().map(FeatureColumn::column).toList());
      summary.put("input_versions", table.inputVersions());
      summary.put("elapsed_seconds", elapsedSeconds);
      return summary;
    }
  }

  @Override
  public Result run(JobContext context) {
    context.requireWritableLake();
    long start = System.nanoTime();
    TrainingSetBuilder builder = new TrainingSetBuilder(context.spark(), context.layout(), FeatureViews.load(context.config()));
    context.progress().status("building " + out);
    TrainingSetBuilder.TrainingSet set = builder.build(spine, features, asOfVersions);
    TrainingSetBuilder.Result result = builder.write(set, spine, out);
    return new Result(result, (System.nanoTime() - start) / 1e9);
  }
}
