package io.treeline.jobs.models;

import io.treeline.core.json.JsonObjects;
import io.treeline.jobs.runtime.Job;
import io.treeline.jobs.runtime.JobContext;
import io.treeline.jobs.runtime.JobResult;
import io.treeline.registry.ModelRef;
import io.treeline.registry.Promotion;
import java.util.Map;

/** Promotes a version to an alias, or rolls the alias back to the version it replaced. */
public final class MoveAlias implements Job<MoveAlias.Result> {
  private final String model;
  private final String alias;
  private final Long version;

  private MoveAlias(String model, String alias, Long version) {
    this.model = ModelRef.name(model, model);
    this.alias = ModelRef.alias(alias, model + "@" + alias);
    this.version = version;
  }

  public static MoveAlias promote(String model, long version, String alias) {
    return new MoveAlias(model, alias, version);
  }

  public static MoveAlias rollback(String model, String alias) {
    return new MoveAlias(model, alias, null);
  }

  public record Result(Promotion.Move move) implements JobResult {
    @Override
    public String summaryLine() {
      return move.describe() + ".";
    }

    @Override
    public Map<String, Object> summary() {
      return JsonObjects.of("model", move.model(), "alias", move.alias(), "before", move.before().orElse(null), "after", move.after());
    }
  }

  @Override
  public Result run(JobContext context) {
    Promotion promotion = new Promotion(context.registry());
    return new Result(version == null ? promotion.rollback(model, alias) : promotion.promote(model, version, alias));
  }
}
