package io.treeline.pipelines.evaluate;

import static org.assertj.core.api.Assertions.assertThat;

import io.treeline.modelpackage.Calibration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

class CalibrationFitTest {
  @Test
  void isotonic_fits_what_a_naive_pooling_oracle_fits() {
    Random random = new Random(11);
    for (int round = 0; round < 30; round++) {
      int n = 1 + random.nextInt(200);
      double[] scores = new double[n];
      double[] labels = new double[n];
      for (int i = 0; i < n; i++) {
        scores[i] = random.nextInt(25) / 25.0;
        labels[i] = random.nextDouble() < scores[i] ? 1 : 0;
      }
      Calibration fitted = CalibrationFit.isotonic(labels, scores);
      double[] expected = naivePool(labels, scores);
      for (int i = 0; i < n; i++) {
        assertThat(fitted.apply(scores[i])).as("round %d, score %s", round, scores[i]).isCloseTo(expected[i], Offset.offset(1e-12));
      }
    }
  }

  /** Pool adjacent violators the slow way: merge any decreasing neighbouring pair of groups until none is left. */
  private static double[] naivePool(double[] labels, double[] scores) {
    java.util.TreeMap<Double, double[]> byScore = new java.util.TreeMap<>();
    for (int i = 0; i < scores.length; i++) {
      double[] sums = byScore.computeIfAbsent(scores[i], s -> new double[2]);
      sums[0] += labels[i];
      sums[1]++;
    }
    List<List<Double>> groups = new ArrayList<>();
    List<double[]> sums = new ArrayList<>();
    byScore.forEach((score, s) -> {
      groups.add(new ArrayList<>(List.of(score)));
      sums.add(s.clone());
    });
    boolean merged = true;
    while (merged) {
      merged = false;
      for (int g = 0; g + 1 < groups.size(); g++) {
        if (sums.get(g)[0] / sums.get(g)[1] > sums.get(g + 1)[0] / sums.get(g + 1)[1]) {
          groups.get(g).addAll(groups.remove(g + 1));
          double[] next = sums.remove(g + 1);
          sums.get(g)[0] += next[0];
          sums.get(g)[1] += next[1];
          merged = true;
          break;
        }
      }
    }
    double[] fitted = new double[scores.length];
    for (int i = 0; i < scores.length; i++) {
      for (int g = 0; g < groups.size(); g++) {
        if (groups.get(g).contains(scores[i])) {
          fitted[i] = sums.get(g)[0] / sums.get(g)[1];
        }
      }
    }
    return fitted;
  }

  @Test
  void platt_reaches_the_minimum_of_its_smoothed_log_loss() {
    Random random = new Random(3);
    int n = 5000;
    double[] scores = new double[n];
    double[] labels = new double[n];
    for (int i = 0; i < n; i++) {
      scores[i] = random.nextDouble();
      labels[i] = random.nextDouble() < 1 / (1 + Math.exp(-(6 * scores[i] - 4))) ? 1 : 0;
    }
    Calibration.Platt platt = (Calibration.Platt) CalibrationFit.platt(labels, scores);
    // the gradient of the loss with Platt's targets vanishes at the fit
    double positives = java.util.Arrays.stream(labels).sum();
    double hi = (positives + 1) / (positives + 2);
    double lo = 1 / (n - positives + 2);
    double ga = 0;
    double gb = 0;
    for (int i = 0; i < n; i++) {
      double residual = platt.apply(scores[i]) - (labels[i] == 1 ? hi : lo);
      ga += residual * scores[i];
      gb += residual;
    }
    assertThat(Math.abs(ga) / n).isLessThan(1e-8);
    assertThat(Math.abs(gb) / n).isLessThan(1e-8);
    assertThat(platt.a()).isCloseTo(6, Offset.offset(0.6));
    assertThat(platt.b()).isCloseTo(-4, Offset.offset(0.4));
  }

  @Test
  void platt_stays_finite_on_perfectly_separated_scores() {
    Calibration.Platt platt = (Calibration.Platt) CalibrationFit.platt(new double[] {0, 0, 1, 1}, new double[] {0.1, 0.2, 0.8, 0.9});
    assertThat(platt.apply(0.9)).isGreaterThan(0.5).isLessThan(1);
    assertThat(platt.apply(0.1)).isLessThan(0.5).isGreaterThan(0);
  }
}
