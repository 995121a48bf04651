package io.treeline.jobs.quickstart;

import io.treeline.jobs.data.FetchData;
import io.treeline.jobs.data.LoadData;
import io.treeline.jobs.runtime.Job;
import io.treeline.jobs.runtime.JobContext;
import io.treeline.jobs.runtime.JobResult;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Runs every stage of the platform in order on the configured (by default embedded) parts. */
public final class Quickstart implements Job<Quickstart.Result> {
  private final Path cacheDir;

  public Quickstart(Path cacheDir) {
    this.cacheDir = cacheDir;
  }

  public record Stage(String name, String outcome) {}

  public record Result(List<Stage> stages) implements JobResult {
    @Override
    public String summaryLine() {
      return "Quickstart finished: " + stages.size() + " stages.";
    }

    @Override
    public Map<String, Object> summary() {
      Map<String, Object> summary = new LinkedHashMap<>();
      stages.forEach(s -> summary.put(s.name(), s.outcome()));
      return summary;
    }
  }

  @Override
  public Result run(JobContext context) {
    List<Stage> stages = new ArrayList<>();
    stage(context, stages, "data fetch", new FetchData(null, cacheDir));
    stage(context, stages, "data load", new LoadData(null, false));
    context.out().println();
    context.out().println("Next, try:");
    context.out().println("  bin/treeline sql \"select origin, count(*) flights, avg(arrival_delay) avg_delay"
        + " from raw.flights group by origin order by flights desc limit 10\"");
    context.out().println("  bin/treeline sql \"describe raw.flights\"");
    context.out().println("  bin/treeline doctor");
    context.out().println("  bin/treeline --help");
    return new Result(stages);
  }

  private static void stage(JobContext context, List<Stage> stages, String name, Job<?> job) {
    context.out().printf("[%d] %s%n", stages.size() + 1, name);
    JobResult result = job.run(context);
    context.out().println("    " + result.summaryLine());
    stages.add(new Stage(name, result.summaryLine()));
  }
}
