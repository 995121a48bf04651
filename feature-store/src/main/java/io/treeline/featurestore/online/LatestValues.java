package io.treeline.featurestore.online;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.when;

import io.treeline.featurestore.offline.OfflineTable;
import io.treeline.featurestore.pit.Ttl;
import io.treeline.featurestore.spec.FeatureSpec;
import io.treeline.featurestore.spec.FeatureView;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;

/**
 * The rows an online store holds for a view: per entity, the values known at a moment — the last
 * timeline row strictly before it (or the newest, without a moment), null where older than the
 * view's ttl at that moment (see {@link Ttl}). A static view's rows carry the
 * time they were pushed, so a later push replaces them.
 */
public final class LatestValues {
  private LatestValues() {}

  public static OnlineTable table(FeatureView view) {
    return new OnlineTable(view.name(), view.entities(), view.features().stream().map(FeatureSpec::name).toList());
  }

  public static Dataset<Row> of(FeatureView view, Dataset<Row> offline, Optional<LocalDateTime> asOf, LocalDateTime pushedAt) {
    List<Column> columns = new ArrayList<>();
    view.entities().forEach(k -> columns.add(col(k)));
    if (!view.timed()) {
      columns.add(lit(pushedAt).as(OnlineTable.FEATURE_TIME));
      columns.add(lit(pushedAt).as(OnlineTable.SOURCE_TIME));
      view.features().forEach(f -> columns.add(col(f.name())));
      return offline.select(columns.toArray(Column[]::new));
    }
    Dataset<Row> known = asOf.map(t -> offline.where(col(OfflineTable.FEATURE_TIME).lt(lit(t)))).orElse(offline);
    Column[] keys = view.entities().stream().map(org.apache.spark.sql.functions::col).toArray(Column[]::new);
    columns.add(col(OfflineTable.FEATURE_TIME));
    columns.add(col(OfflineTable.SOURCE_TIME).as(OnlineTable.SOURCE_TIME));
    // The ttl applies at the moment pushed, as the training sets apply it at each event time.
    Optional<Column> fresh = asOf.flatMap(t -> view.ttl().map(ttl -> Ttl.fresh(ttl, col(OfflineTable.SOURCE_TIME), lit(t))));
    view.features().forEach(f -> columns.add(fresh.map(ok -> when(ok, col(f.name()))).orElse(col(f.name())).as(f.name())));
    return known.withColumn("__newest", row_number().over(Window.partitionBy(keys).orderBy(col(OfflineTable.FEATURE_TIME).desc())))
        .where(col("__newest").equalTo(1))
        .select(columns.toArray(Column[]::new));
  }
}
