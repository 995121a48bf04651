package io.treeline.pipelines.evaluate;

import java.util.Arrays;

/**
 * Chooses a classifier's decision threshold on labelled scores (the validation split's): the one
 * that maximises F1 or Youden's J (true-positive rate minus false-positive rate), or minimises the
 * cost of the errors. A row is predicted positive when its score is above the threshold, as
 * {@link io.treeline.modelpackage.Decision} answers.
 *
 * <p>The candidates lie between consecutive distinct scores (their midpoint), so every way of
 * cutting the sorted scores is tried once and the threshold does not sit on a validation score;
 * 1 (nothing positive) is a candidate too. Of equally good thresholds the highest is kept.
 */
public final class ThresholdChoice {
  public enum Objective { F1, YOUDEN, COST }

  /** The threshold and the objective's value at it (for cost: the mean cost per row, lower is better). */
  public record Choice(double threshold, double value) {}

  private ThresholdChoice() {}

  public static Choice choose(double[] labels, double[] scores, Objective objective, double falsePositiveCost, double falseNegativeCost) {
    int n = scores.length;
    if (n == 0) {
      throw new IllegalArgumentException("no labelled scores to choose a threshold on");
    }
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> Double.compare(scores[b], scores[a]));
    long positives = 0;
    for (double label : labels) {
      positives += label > 0.5 ? 1 : 0;
    }
    long negatives = n - positives;

    double bestThreshold = 1.0;
    double bestScore = score(objective, 0, 0, positives, negatives, falsePositiveCost, falseNegativeCost);
    long tp = 0;
    long fp = 0;
    for (int i = 0; i < n; i++) {
      if (labels[order[i]] > 0.5) {
        tp++;
      } else {
        fp++;
      }
      double here = scores[order[i]];
      boolean lastOfGroup = i == n - 1 || scores[order[i + 1]] != here;
      if (!lastOfGroup) {
        continue;
      }
      double next = i == n - 1 ? 0.0 : scores[order[i + 1]];
      if (i == n - 1 && here <= 0) {
        break; // every score above a threshold of 0 or more: impossible when the lowest score is 0
      }
      double threshold = here / 2 + next / 2;
      if (!(threshold < here)) {
        threshold = next; // adjacent doubles: the midpoint rounds up to the group's score
      }
      if (threshold >= 1.0) {
        continue;
      }
      double value = score(objective, tp, fp, positives, negatives, falsePositiveCost, falseNegativeCost);
      if (value > bestScore) {
        bestScore = value;
        bestThreshold = threshold;
      }
    }
    return new Choice(bestThreshold, objective == Objective.COST ? -bestScore : bestScore);
  }

  /** The objective as a number to maximise. */
  private static double score(Objective objective, long tp, long fp, long positives, long negatives, double fpCost, double fnCost) {
    long fn = positives - tp;
    return switch (objective) {
      case F1 -> 2 * tp + fp + fn == 0 ? 0 : 2.0 * tp / (2 * tp + fp + fn);
      case YOUDEN -> (positives == 0 ? 0 : (double) tp / positives) - (negatives == 0 ? 0 : (double) fp / negatives);
      case COST -> -(fp * fpCost + fn * fnCost) / (double) (positives + negatives);
    };
  }
}
