package io.treeline.featurestore.offline;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.max_by;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.when;

import io.treeline.featurestore.spec.FeatureSpec;
import io.treeline.featurestore.spec.FeatureView;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * What a range run needs from before its read-back: nothing for windowed features (every such row has
 * left its window by the range's start), but unbounded features and {@code source_time} reach back
 * indefinitely. Per entity, they depend on two kinds of row only: the newest row (row-level values,
 * source_time) and, for each unbounded {@code last}, the newest row where it is not null. Those rows,
 * in the timeline's own order, stand in for the whole history: one aggregation, not a full replay.
 */
final class PriorRows {
  private PriorRows() {}

  /** @param older prepared rows that became known before the read-back, all with an event time */
  static Dataset<Row> of(FeatureView view, Dataset<Row> older) {
    // The order the timeline builder meets rows in (Materializer.timeline): availability, event time, values.
    List<Column> orderFields = new ArrayList<>(List.of(col(ViewSource.AVAILABLE_AT), col(ViewSource.EVENT_TIME)));
    view.features().forEach(f -> orderFields.add(col(ViewSource.valueColumn(f))));
    Column order = struct(orderFields.toArray(Column[]::new));
    Column row = struct(Arrays.stream(older.columns()).map(c -> col("`" + c + "`")).toArray(Column[]::new));

    List<Column> picks = new ArrayList<>();
    picks.add(max_by(row, order).as("__newest"));
    for (FeatureSpec feature : view.features()) {
      if (feature.window().isEmpty() && !feature.rowLevel()) {
        picks.add(max_by(row, when(col(ViewSource.valueColumn(feature)).isNotNull(), order)).as("__last_" + picks.size()));
      }
    }
    Column[] keys = view.entities().stream().map(k -> col("`" + k + "`")).toArray(Column[]::new);
    Dataset<Row> picked = older.groupBy(keys).agg(picks.get(0), picks.subList(1, picks.size()).toArray(Column[]::new));
    Dataset<Row> rows = null;
    for (int i = 0; i < picks.size(); i++) {
      String pick = picked.columns()[keys.length + i];
      Dataset<Row> part = picked.where(col(pick).isNotNull()).select(col(pick + ".*"));
      rows = rows == null ? part : rows.unionByName(part);
    }
    return rows;
  }
}
