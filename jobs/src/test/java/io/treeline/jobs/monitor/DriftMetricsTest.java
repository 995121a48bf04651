package io.treeline.jobs.monitor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** The distances against figures worked out by hand. */
class DriftMetricsTest {
  @Test
  void psi_is_zero_for_equal_shares_and_the_textbook_sum_otherwise() {
    assertThat(DriftMetrics.psi(new long[] {10, 20, 30}, new long[] {100, 200, 300})).isCloseTo(0, within(1e-12));
    // (0.25 − 0.5)·ln(0.25/0.5) + (0.75 − 0.5)·ln(0.75/0.5)
    double expected = -0.25 * Math.log(0.5) + 0.25 * Math.log(1.5);
    assertThat(DriftMetrics.psi(new long[] {50, 50}, new long[] {25, 75})).isCloseTo(expected, within(1e-12));
    // An empty bin on one side gets the floor instead of an infinite term.
    assertThat(DriftMetrics.psi(new long[] {100, 0}, new long[] {50, 50})).isFinite().isGreaterThan(2);
  }

  @Test
  void jensen_shannon_distance_is_zero_for_equal_one_for_disjoint_and_symmetric() {
    assertThat(DriftMetrics.jensenShannon(new long[] {1, 3}, new long[] {2, 6})).isCloseTo(0, within(1e-12));
    assertThat(DriftMetrics.jensenShannon(new long[] {5, 0}, new long[] {0, 7})).isCloseTo(1, within(1e-12));
    // P = (1/2, 1/2), Q = (1, 0): M = (3/4, 1/4); JSD = ½·KL(P‖M) + ½·KL(Q‖M) in bits.
    double kl = 0.5 * Math.log(0.5 / 0.75) / Math.log(2) + 0.5 * Math.log(0.5 / 0.25) / Math.log(2);
    double klQ = Math.log(1 / 0.75) / Math.log(2);
    assertThat(DriftMetrics.jensenShannon(new long[] {1, 1}, new long[] {1, 0})).isCloseTo(Math.sqrt(0.5 * kl + 0.5 * klQ), within(1e-12))
        .isCloseTo(DriftMetrics.jensenShannon(new long[] {1, 0}, new long[] {1, 1}), within(1e-15));
  }

  @Test
  void ks_is_the_largest_gap_of_the_cumulative_shares() {
    // cumulative 0.2, 0.5, 1.0 against 0.5, 0.6, 1.0: largest gap 0.3
    assertThat(DriftMetrics.kolmogorovSmirnov(new long[] {2, 3, 5}, new long[] {5, 1, 4})).isCloseTo(0.3, within(1e-12));
    assertThat(DriftMetrics.kolmogorovSmirnov(new long[] {1, 0}, new long[] {0, 1})).isCloseTo(1, within(1e-12));
  }

  @Test
  void a_value_falls_in_the_bin_of_the_edges_at_or_below_it() {
    double[] edges = {1, 2, 2.5};
    assertThat(DriftCheck.upperBound(edges, 0.5)).isZero();
    assertThat(DriftCheck.upperBound(edges, 1)).isEqualTo(1);
    assertThat(DriftCheck.upperBound(edges, 2.4)).isEqualTo(2);
    assertThat(DriftCheck.upperBound(edges, 99)).isEqualTo(3);
  }
}
