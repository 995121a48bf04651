package io.treeline.featurestore.offline;

import io.treeline.featurestore.spec.Aggregation;
import io.treeline.featurestore.spec.FeatureSpec;
import io.treeline.featurestore.spec.FeatureView;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The columns of a view's offline Delta table: the entity keys, {@code feature_time} (the moment
 * from which the row's values hold; timed views only), {@code source_time} (when the newest source
 * row behind those values became known: their age, which the ttl bounds), {@code feature_date} (the
 * date of feature_time, the partition column) and one column per feature.
 */
public final class OfflineTable {
  public static final String FEATURE_TIME = "feature_time";
  public static final String SOURCE_TIME = "source_time";
  public static final String FEATURE_DATE = "feature_date";

  private OfflineTable() {}

  /** The type a feature has in the offline table, given the type of its value expression. */
  public static DataType featureType(FeatureSpec feature, DataType valueType) {
    Aggregation aggregation = feature.effectiveAggregation();
    return switch (aggregation) {
      case COUNT, APPROX_COUNT_DISTINCT -> DataTypes.LongType;
      case SUM, AVG, STDDEV, MIN, MAX -> DataTypes.DoubleType;
      case LAST -> valueType;
    };
  }

  /** The schema of a timed view's timeline rows, before the partition column is added. */
  public static StructType timelineSchema(FeatureView view, StructType prepared) {
    StructType schema = new StructType();
    for (String key : view.entities()) {
      schema = schema.add(prepared.apply(key));
    }
    schema = schema.add(FEATURE_TIME, DataTypes.TimestampNTZType, false);
    schema = schema.add(SOURCE_TIME, DataTypes.TimestampNTZType, false);
    for (FeatureSpec feature : view.features()) {
      schema = schema.add(feature.name(), featureType(feature, prepared.apply(ViewSource.valueColumn(feature)).dataType()), true);
    }
    return schema;
  }

  /**
   * Refuses a timed view's table written before tables had {@code source_time}: its ttl cannot be
   * applied, and a range run onto it would mix two kinds of rows.
   */
  public static void requireSourceTime(FeatureView view, StructType table) {
    if (view.timed() && !java.util.Arrays.asList(table.fieldNames()).contains(SOURCE_TIME)) {
      throw io.treeline.core.error.Errors.invalidInput("read", view.offlineTable().toString(),
          "the table has no " + SOURCE_TIME + " column: it was written by an earlier Treeline",
          "Rebuild it with a full run: treeline features materialize --view " + view.name());
    }
  }
}
