package io.treeline.core.lake;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class FeatureColumnTest {
  @Test
  void a_looked_up_feature_is_the_column_view_double_underscore_feature() {
    assertThat(new FeatureColumn("origin_delays", "avg_delay_24h").column()).isEqualTo("origin_delays__avg_delay_24h");
  }

  @Test
  void the_pair_is_kept_so_a_feature_name_with_underscores_is_never_split_again() {
    FeatureColumn column = new FeatureColumn("route_delays", "delayed__share");

    assertThat(column.view()).isEqualTo("route_delays");
    assertThat(column.feature()).isEqualTo("delayed__share");
    assertThat(column).hasToString("route_delays__delayed__share");
  }
}
