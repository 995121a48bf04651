package io.treeline.pipelines.evaluate;

import static org.assertj.core.api.Assertions.assertThat;

import io.treeline.pipelines.evaluate.ThresholdChoice.Choice;
import io.treeline.pipelines.evaluate.ThresholdChoice.Objective;
import java.util.Random;
import java.util.TreeSet;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

class ThresholdChoiceTest {
  private static final double[] SCORES = {0.9, 0.8, 0.7, 0.6, 0.4, 0.3, 0.2, 0.1};
  private static final double[] LABELS = {1, 1, 0, 1, 0, 1, 0, 0};

  @Test
  void picks_the_known_optimum_of_each_objective() {
    // F1 by the number k of top scores predicted positive: .4 .667 .571 .75 .667 .8 .727 .667; the best cuts between 0.3 and 0.2
    Choice f1 = ThresholdChoice.choose(LABELS, SCORES, Objective.F1, 0, 0);
    assertThat(f1.threshold()).isEqualTo(0.25);
    assertThat(f1.value()).isCloseTo(0.8, Offset.offset(1e-12));
    // Youden's J is 0.5 at k = 2, 4 and 6: the highest threshold is kept
    Choice youden = ThresholdChoice.choose(LABELS, SCORES, Objective.YOUDEN, 0, 0);
    assertThat(youden.threshold()).isEqualTo(0.75);
    assertThat(youden.value()).isEqualTo(0.5);
    // a false negative costs 5, a false positive 1: k = 6 costs 2 (two false positives)
    Choice cost = ThresholdChoice.choose(LABELS, SCORES, Objective.COST, 1, 5);
    assertThat(cost.threshold()).isEqualTo(0.25);
    assertThat(cost.value()).isEqualTo(2.0 / 8);
    // false positives dearer than the positives below them: predict the two on top only; dearer than any positive: predict nothing
    assertThat(ThresholdChoice.choose(LABELS, SCORES, Objective.COST, 100, 1).threshold()).isEqualTo(0.75);
    assertThat(ThresholdChoice.choose(new double[] {0, 1}, new double[] {0.9, 0.1}, Objective.COST, 5, 1).threshold()).isEqualTo(1.0);
  }

  @Test
  void matches_a_full_scan_of_every_threshold_on_tied_random_scores() {
    Random random = new Random(7);
    for (int round = 0; round < 50; round++) {
      int n = 1 + random.nextInt(300);
      double[] scores = new double[n];
      double[] labels = new double[n];
      for (int i = 0; i < n; i++) {
        scores[i] = random.nextInt(40) / 40.0; // many ties, and exact 0
        labels[i] = random.nextDouble() < 0.2 + 0.6 * scores[i] ? 1 : 0;
      }
      for (Objective objective : Objective.values()) {
        Choice choice = ThresholdChoice.choose(labels, scores, objective, 1, 3);
        double best = Double.NEGATIVE_INFINITY;
        TreeSet<Double> candidates = new TreeSet<>();
        for (int k = 0; k <= 4000; k++) {
          candidates.add(k / 4000.0);
        }
        for (double t : candidates) {
          best = Math.max(best, oracle(labels, scores, t, objective));
        }
        double found = oracle(labels, scores, choice.threshold(), objective);
        assertThat(found).as("round %d %s", round, objective).isCloseTo(best, Offset.offset(1e-12));
        assertThat(objective == Objective.COST ? -found : found).isCloseTo(choice.value(), Offset.offset(1e-12));
      }
    }
  }

  /** The objective at a threshold, counted naively (maximised; cost negated). */
  private static double oracle(double[] labels, double[] scores, double threshold, Objective objective) {
    double tp = 0;
    double fp = 0;
    double fn = 0;
    double tn = 0;
    for (int i = 0; i < scores.length; i++) {
      boolean predicted = scores[i] > threshold;
      boolean actual = labels[i] == 1;
      if (predicted && actual) {
        tp++;
      } else if (predicted) {
        fp++;
      } else if (actual) {
        fn++;
      } else {
        tn++;
      }
    }
    return switch (objective) {
      case F1 -> tp == 0 ? 0 : 2 * tp / (2 * tp + fp + fn);
      case YOUDEN -> (tp + fn == 0 ? 0 : tp / (tp + fn)) - (fp + tn == 0 ? 0 : fp / (fp + tn));
      case COST -> -(fp * 1 + fn * 3) / scores.length;
    };
  }
}
