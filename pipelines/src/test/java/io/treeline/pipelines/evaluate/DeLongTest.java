package io.treeline.pipelines.evaluate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** DeLong's AUC variance and tests against a naive oracle that compares every positive with every negative. */
class DeLongTest {
  /** The oracle: ψ over all m×n pairs, then the components' sample (co)variances, straight from the 1988 paper. */
  private record Naive(double auc, double[] v10, double[] v01) {
    static Naive of(double[] labels, double[] scores) {
      int m = 0;
      for (double l : labels) {
        m += l == 1 ? 1 : 0;
      }
      int n = labels.length - m;
      double[] v10 = new double[m];
      double[] v01 = new double[n];
      int i = 0;
      for (int a = 0; a < labels.length; a++) {
        if (labels[a] != 1) {
          continue;
        }
        int j = 0;
        for (int b = 0; b < labels.length; b++) {
          if (labels[b] == 1) {
            continue;
          }
          double psi = scores[a] > scores[b] ? 1 : scores[a] == scores[b] ? 0.5 : 0;
          v10[i] += psi / n;
          v01[j] += psi / m;
          j++;
        }
        i++;
      }
      double auc = 0;
      for (double v : v10) {
        auc += v / m;
      }
      return new Naive(auc, v10, v01);
    }

    static double cov(double[] x, double[] y) {
      double mx = 0;
      double my = 0;
      for (int k = 0; k < x.length; k++) {
        mx += x[k] / x.length;
        my += y[k] / y.length;
      }
      double s = 0;
      for (int k = 0; k < x.length; k++) {
        s += (x[k] - mx) * (y[k] - my);
      }
      return s / (x.length - 1);
    }

    double variance() {
      return cov(v10, v10) / v10.length + cov(v01, v01) / v01.length;
    }
  }

  @Test
  void auc_and_variance_equal_the_pairwise_oracle_with_ties_signed_zeros_and_extreme_scores() {
    Random random = new Random(42);
    double[] extremes = {0.0, -0.0, 1.0, 1e-300, Double.MIN_VALUE, 1e16, 1e16 + 2, -1e16, Double.MAX_VALUE, -Double.MAX_VALUE, 0.5, 0.5};
    for (int trial = 0; trial < 50; trial++) {
      int size = 20 + random.nextInt(300);
      double[] labels = new double[size];
      double[] a = new double[size];
      double[] b = new double[size];
      for (int i = 0; i < size; i++) {
        labels[i] = i < 2 ? i : random.nextDouble() < 0.3 ? 1 : 0;
        // Coarse scores make many ties; some records take an extreme value.
        a[i] = random.nextInt(10) == 0 ? extremes[random.nextInt(extremes.length)] : Math.round((labels[i] + random.nextGaussian()) * 4) / 4.0;
        b[i] = random.nextInt(10) == 0 ? extremes[random.nextInt(extremes.length)] : a[i] * 0.5 + random.nextGaussian();
      }
      Naive na = Naive.of(labels, a);
      Naive nb = Naive.of(labels, b);
      DeLong.Auc fa = DeLong.auc(labels, a);
      DeLong.Auc fb = DeLong.auc(labels, b);
      assertThat(fa.auc()).isCloseTo(na.auc(), within(1e-12));
      assertThat(fb.auc()).isCloseTo(nb.auc(), within(1e-12));
      assertThat(fa.variance()).isCloseTo(na.variance(), within(1e-12));
      double covariance = Naive.cov(na.v10(), nb.v10()) / na.v10().length + Naive.cov(na.v01(), nb.v01()) / na.v01().length;
      double pairedSe = Math.sqrt(na.variance() + nb.variance() - 2 * covariance);
      DeLong.Difference paired = DeLong.paired(fa, fb);
      assertThat(paired.difference()).isCloseTo(nb.auc() - na.auc(), within(1e-12));
      assertThat(paired.standardError()).isCloseTo(pairedSe, within(1e-9));
      assertThat(DeLong.unpaired(fa, fb).standardError()).isCloseTo(Math.sqrt(na.variance() + nb.variance()), within(1e-12));
    }
  }

  @Test
  void a_truly_better_model_is_significant_and_the_same_model_is_not() {
    Random random = new Random(7);
    int size = 4_000;
    double[] labels = new double[size];
    double[] weak = new double[size];
    double[] strong = new double[size];
    for (int i = 0; i < size; i++) {
      labels[i] = random.nextDouble() < 0.2 ? 1 : 0;
      double signal = labels[i] * 1.0 + random.nextGaussian();
      weak[i] = signal + 2 * random.nextGaussian();
      strong[i] = signal + 0.5 * random.nextGaussian();
    }
    DeLong.Difference better = DeLong.paired(DeLong.auc(labels, weak), DeLong.auc(labels, strong));
    assertThat(better.difference()).isPositive();
    assertThat(better.significant()).isTrue();
    assertThat(better.pValue()).isLessThan(1e-6);
    DeLong.Difference same = DeLong.paired(DeLong.auc(labels, weak), DeLong.auc(labels, weak));
    assertThat(same.difference()).isZero();
    assertThat(same.significant()).isFalse();
    assertThat(same.pValue()).isEqualTo(1.0);
    DeLong.Auc weakAuc = DeLong.auc(labels, weak);
    assertThat(weakAuc.lower()).isLessThan(weakAuc.auc());
    assertThat(weakAuc.upper()).isGreaterThan(weakAuc.auc());
  }

  @Test
  void the_normal_distribution_function_matches_known_values() {
    assertThat(DeLong.normalCdf(0)).isCloseTo(0.5, within(1e-7));
    assertThat(DeLong.normalCdf(DeLong.Z95)).isCloseTo(0.975, within(1e-7));
    assertThat(DeLong.normalCdf(-3)).isCloseTo(0.0013498980316301, within(1e-7));
  }

  @Test
  void one_class_or_a_nan_score_is_refused() {
    assertThatThrownBy(() -> DeLong.auc(new double[] {1, 1}, new double[] {0.2, 0.3})).hasMessageContaining("0 negatives");
    assertThatThrownBy(() -> DeLong.auc(new double[] {1, 0}, new double[] {Double.NaN, 0.3})).hasMessageContaining("NaN");
  }
}
