package io.treeline.registry;

import io.treeline.core.error.Errors;
import io.treeline.core.error.InvalidInputException;
import java.util.Map;
import java.util.Optional;

/**
 * Moving aliases with a memory: when an alias moves from version P to V, V is tagged
 * {@code treeline.replaced.<alias> = P}, so a rollback can walk back one step at a time on either
 * registry without a history table of its own.
 */
public final class Promotion {
  static final String REPLACED = "treeline.replaced.";

  private final ModelRegistry registry;

  public Promotion(ModelRegistry registry) {
    this.registry = registry;
  }

  /** Where an alias pointed before and after a move ({@code before} empty when it was not set). */
  public record Move(String model, String alias, Optional<Long> before, long after) {
    public String describe() {
      return model + "@" + alias + " → version " + after + before.map(b -> b == after ? " (unchanged)" : " (was version " + b + ")").orElse(" (new alias)");
    }
  }

  public Move promote(String model, long version, String alias) {
    Optional<Long> before = current(model, alias);
    if (before.isPresent() && before.get() == version) {
      return new Move(model, alias, before, version);
    }
    registry.resolve(ModelRef.ofVersion(model, version)); // the version must exist before it is tagged
    before.ifPresent(previous -> registry.setVersionTag(model, version, REPLACED + alias, Long.toString(previous)));
    registry.setAlias(model, alias, version);
    return new Move(model, alias, before, version);
  }

  /** Moves the alias back to the version it pointed to before its last promotion. */
  public Move rollback(String model, String alias) {
    ModelVersion current = registry.resolve(ModelRef.ofAlias(model, alias));
    String previous = current.tags().get(REPLACED + alias);
    if (previous == null) {
      throw Errors.invalidInput("roll back", model + "@" + alias, "version " + current.version()
          + " is the first version the alias pointed to; there is nothing to roll back to",
          "Point it at a version of your choice with: treeline models promote " + model + " --version N --alias " + alias + ".");
    }
    long target = Long.parseLong(previous);
    registry.setAlias(model, alias, target);
    return new Move(model, alias, Optional.of(current.version()), target);
  }

  /** The outcome of promote-if-better, with the sentence that explains it. */
  public record Decision(boolean promoted, String metric, double candidateValue, Optional<Long> champion, Optional<Double> championValue,
      String explanation) {}

  /**
   * Moves {@code alias} to {@code candidate} only when it beats the version the alias points at on
   * {@code metric} (a tie does not move it). With no alias yet, the candidate takes it.
   */
  public Decision promoteIfBetter(ModelVersion candidate, String alias, String metric, boolean lowerIsBetter) {
    Map<String, Double> metrics = candidate.metrics();
    Double value = metrics.get(metric);
    if (value == null) {
      throw unknownMetric(candidate, metric);
    }
    Optional<Long> championVersion = current(candidate.model(), alias);
    if (championVersion.isEmpty()) {
      promote(candidate.model(), candidate.version(), alias);
      return new Decision(true, metric, value, Optional.empty(), Optional.empty(), String.format(
          "Promoted %s/%d to @%s: %s = %.4f, and %s had no @%s yet.", candidate.model(), candidate.version(), alias, metric, value,
          candidate.model(), alias));
    }
    ModelVersion champion = registry.resolve(ModelRef.ofVersion(candidate.model(), championVersion.get()));
    Double championValue = champion.metrics().get(metric);
    boolean better = championValue == null || (lowerIsBetter ? value < championValue : value > championValue);
    String comparison = championValue == null
        ? String.format("%s = %.4f; the champion, version %d, has no %s", metric, value, champion.version(), metric)
        : String.format("%s = %.4f against %.4f for version %d (%s is better)", metric, value, championValue, champion.version(),
            lowerIsBetter ? "lower" : "higher");
    if (better) {
      promote(candidate.model(), candidate.version(), alias);
      return new Decision(true, metric, value, championVersion, Optional.ofNullable(championValue),
          String.format("Promoted %s/%d to @%s: %s.", candidate.model(), candidate.version(), alias, comparison));
    }
    return new Decision(false, metric, value, championVersion, Optional.ofNullable(championValue),
        String.format("Kept %s@%s at version %d: version %d does not beat it, %s.", candidate.model(), alias, champion.version(),
            candidate.version(), comparison));
  }

  /** Where the alias points now; an unknown model is the registry's "unknown model" error. */
  private Optional<Long> current(String model, String alias) {
    return Optional.ofNullable(registry.aliases(model).get(alias));
  }

  private static InvalidInputException unknownMetric(ModelVersion version, String metric) {
    return Errors.invalidInput("compare", "model " + version + " on " + metric, "the version has no metric " + metric
        + " (it has " + String.join(", ", version.metrics().keySet()) + ")", "Name one of its metrics, e.g. test_auc or test_rmse.");
  }
}
