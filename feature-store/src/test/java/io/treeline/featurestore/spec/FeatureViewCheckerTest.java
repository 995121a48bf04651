package io.treeline.featurestore.spec;

import static io.treeline.featurestore.FeatureStoreTestSupport.table;
import static io.treeline.featurestore.FeatureStoreTestSupport.view;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.treeline.core.testing.TempLake;
import io.treeline.core.testing.TestSpark;
import org.junit.jupiter.api.Test;

class FeatureViewCheckerTest {
  private static final String VIEW = """
      views:
        - name: stats
          entities: [k]
          source: {table: src.events}
          event_time: ts
          features:
            - {name: avg_1h, expr: v, agg: avg, window: 1h}
      """;

  @Test
  void unknown_columns_and_wrong_types_name_the_key() {
    try (TempLake lake = new TempLake()) {
      table(lake, "src.events", "select 'a' as k, timestamp_ntz'2001-01-01 10:00' as ts, 1 as v, 'x' as s");
      FeatureViewChecker checker = new FeatureViewChecker(TestSpark.session(), lake.layout());

      assertThat(checker.check(view(lake, VIEW)).notChecked()).isEmpty();
      assertThatThrownBy(() -> checker.check(view(lake, VIEW.replace("expr: v,", "expr: w,"))))
          .hasMessageContaining("view 'stats', key 'features.avg_1h.expr': 'w' does not resolve against src.events");
      assertThatThrownBy(() -> checker.check(view(lake, VIEW.replace("expr: v,", "expr: s,"))))
          .hasMessageContaining("view 'stats', key 'features.avg_1h.expr': agg avg needs a number, but 's' is string");
      assertThatThrownBy(() -> checker.check(view(lake, VIEW.replace("event_time: ts", "event_time: v"))))
          .hasMessageContaining("view 'stats', key 'event_time': must be a timestamp, but is int");
      assertThatThrownBy(() -> checker.check(view(lake, VIEW.replace("entities: [k]", "entities: [key]"))))
          .hasMessageContaining("view 'stats', key 'entities': column 'key' is not in the source");
      assertThatThrownBy(() -> checker.check(view(lake, VIEW.replace("name: avg_1h", "name: feature_time"))))
          .hasMessageContaining("view 'stats', key 'features.feature_time.name': the name is taken");
    }
  }

  @Test
  void a_source_not_loaded_yet_is_reported_not_failed() {
    try (TempLake lake = new TempLake()) {
      assertThat(new FeatureViewChecker(TestSpark.session(), lake.layout()).check(view(lake, VIEW)).notChecked())
          .contains("source table src.events does not exist yet, so column names were not checked (load it, then validate again)");
    }
  }
}
