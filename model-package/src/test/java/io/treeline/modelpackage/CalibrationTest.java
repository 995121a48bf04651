package io.treeline.modelpackage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.math.MathContext;
import org.junit.jupiter.api.Test;

class CalibrationTest {
  private final Calibration.Isotonic curve = new Calibration.Isotonic(new double[] {0.1, 0.2, 0.2, 0.6}, new double[] {0.0, 0.1, 0.3, 0.7});

  @Test
  void isotonic_is_flat_beyond_its_ends_and_linear_between_points() {
    assertThat(curve.apply(-0.0)).isEqualTo(0.0);
    assertThat(curve.apply(0.05)).isEqualTo(0.0);
    assertThat(curve.apply(0.15)).isCloseTo(0.05, org.assertj.core.data.Offset.offset(1e-15));
    // a step (two points at one x) takes its upper value from that x on
    assertThat(curve.apply(0.2)).isEqualTo(0.3);
    assertThat(curve.apply(0.4)).isCloseTo(0.5, org.assertj.core.data.Offset.offset(1e-15));
    assertThat(curve.apply(0.6)).isEqualTo(0.7);
    assertThat(curve.apply(1.0)).isEqualTo(0.7);
    assertThat(curve.apply(Double.NaN)).isNaN();
  }

  @Test
  void isotonic_matches_exact_interpolation_everywhere() {
    // an oracle in exact decimal arithmetic, sharing no code with the interpolation
    for (int i = 0; i <= 1000; i++) {
      double p = i / 1000.0;
      BigDecimal expected;
      if (p < 0.1) {
        expected = BigDecimal.ZERO;
      } else if (p < 0.2) {
        expected = new BigDecimal(p).subtract(new BigDecimal(0.1)).multiply(new BigDecimal(0.1)).divide(new BigDecimal(0.2).subtract(new BigDecimal(0.1)), MathContext.DECIMAL128);
      } else if (p < 0.6) {
        expected = new BigDecimal(0.3).add(new BigDecimal(p).subtract(new BigDecimal(0.2)).multiply(new BigDecimal(0.7).subtract(new BigDecimal(0.3)))
            .divide(new BigDecimal(0.6).subtract(new BigDecimal(0.2)), MathContext.DECIMAL128));
      } else {
        expected = new BigDecimal(0.7);
      }
      assertThat(curve.apply(p)).as("p=%s", p).isCloseTo(expected.doubleValue(), org.assertj.core.data.Offset.offset(1e-15));
    }
  }

  @Test
  void platt_is_the_logistic_of_a_line() {
    Calibration.Platt platt = new Calibration.Platt(3, -1);
    assertThat(platt.apply(1.0 / 3)).isEqualTo(0.5);
    assertThat(platt.apply(1)).isCloseTo(1 / (1 + Math.exp(-2)), org.assertj.core.data.Offset.offset(1e-16));
  }

  @Test
  void a_curve_that_goes_down_is_refused() {
    assertThatThrownBy(() -> new Calibration.Isotonic(new double[] {0.1, 0.2}, new double[] {0.5, 0.4}))
        .hasMessageContaining("non-decreasing").hasMessageContaining("point 1 is (0.2, 0.4)");
    assertThatThrownBy(() -> new Calibration.Platt(Double.NaN, 0)).hasMessageContaining("finite");
  }

  @Test
  void the_label_is_positive_above_the_threshold_only() {
    Decision decision = new Decision(0.3, Calibration.NONE);
    assertThat(decision.positive(0.3)).isFalse();
    assertThat(decision.positive(Math.nextUp(0.3))).isTrue();
    assertThat(Decision.DEFAULT.positive(0.5)).isFalse();
    assertThatThrownBy(() -> new Decision(1.5, null)).hasMessageContaining("from 0 to 1");
  }

  @Test
  void the_forest_threshold_is_the_last_forest_probability_the_calibration_keeps_at_or_below_the_threshold() {
    assertThat(new Decision(0.3, Calibration.NONE).forestThreshold()).isEqualTo(0.3);
    Decision platt = new Decision(0.4, new Calibration.Platt(5, -3));
    double cut = platt.forestThreshold();
    assertThat(platt.positive(platt.probability(cut))).isFalse();
    assertThat(platt.positive(platt.probability(Math.nextUp(cut)))).isTrue();
    // a step in the curve at 0.2: from 0.2 on the label is 1
    Decision stepped = new Decision(0.2, curve);
    assertThat(stepped.forestThreshold()).isEqualTo(Math.nextDown(0.2));
    assertThat(new Decision(0.9, curve).forestThreshold()).isEqualTo(1.0);
    assertThat(new Decision(0.5, new Calibration.Platt(-2, 0)).forestThreshold()).isNaN();
  }
}
