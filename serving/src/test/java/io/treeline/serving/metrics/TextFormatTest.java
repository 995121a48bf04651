package io.treeline.serving.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TextFormatTest {
  @Test
  void numbersAsPrometheusParsesThem() {
    assertThat(TextFormat.number(Double.NaN)).isEqualTo("NaN");
    assertThat(TextFormat.number(Double.POSITIVE_INFINITY)).isEqualTo("+Inf");
    assertThat(TextFormat.number(Double.NEGATIVE_INFINITY)).isEqualTo("-Inf");
    assertThat(TextFormat.number(42)).isEqualTo("42");
    assertThat(TextFormat.number(-0.0)).isEqualTo("0");
    assertThat(TextFormat.number(0.25)).isEqualTo("0.25");
    assertThat(TextFormat.number(0.00025)).isEqualTo("0.00025");
    assertThat(TextFormat.number(-1.5e-7)).isEqualTo("-0.00000015");
    assertThat(TextFormat.number(1e-12)).isEqualTo("1.0E-12");
    assertThat(TextFormat.number(1e20)).isEqualTo("1.0E20");
  }

  @Test
  void escapesLabelValuesAndHelp() {
    assertThat(TextFormat.escapeLabelValue("a\\b \"c\"\nd")).isEqualTo("a\\\\b \\\"c\\\"\\nd");
    assertThat(TextFormat.escapeHelp("a\\b \"c\"\nd")).isEqualTo("a\\\\b \"c\"\\nd");
    assertThat(TextFormat.escapeLabelValue("plain")).isEqualTo("plain");
  }
}
