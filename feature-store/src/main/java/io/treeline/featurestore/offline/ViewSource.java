package io.treeline.featurestore.offline;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import io.treeline.core.lake.LakeLayout;
import io.treeline.core.lake.TableName;
import io.treeline.featurestore.spec.FeatureSpec;
import io.treeline.featurestore.spec.FeatureView;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The rows a view aggregates: the source, filtered, with the view's derived columns, reduced to the
 * entity keys, the event time, the availability time and one value column per feature.
 */
public final class ViewSource {
  public static final String EVENT_TIME = "__event_time";
  public static final String AVAILABLE_AT = "__available_at";

  private ViewSource() {}

  public static String valueColumn(FeatureSpec feature) {
    return "__v_" + feature.name();
  }

  /** The source as declared, with filter and derived columns applied. */
  public static Dataset<Row> rows(SparkSession spark, LakeLayout layout, FeatureView view) {
    return derived(view, read(spark, layout, view, null));
  }

  /** Rows shaped like the view's source (a batch of streamed events, say), filtered and with the derived columns. */
  public static Dataset<Row> derived(FeatureView view, Dataset<Row> data) {
    if (view.source().filter().isPresent()) {
      data = data.where(expr(view.source().filter().get()));
    }
    for (Map.Entry<String, String> column : view.columns().entrySet()) {
      data = data.withColumn(column.getKey(), expr(column.getValue()));
    }
    return data;
  }

  static Dataset<Row> read(SparkSession spark, LakeLayout layout, FeatureView view, Long version) {
    var source = view.source();
    if (source.table().isPresent()) {
      var reader = spark.read().format("delta");
      if (version != null) {
        reader = reader.option("versionAsOf", version);
      }
      return reader.load(layout.table(TableName.parse(source.table().get())));
    }
    var reader = spark.read().format(source.format());
    if (source.format().equals("csv")) {
      reader = reader.option("header", "true").option("inferSchema", "true");
    }
    return reader.load(source.path().orElseThrow());
  }

  /**
   * Keys, times and feature values. The availability time is never before the event time: a value
   * cannot be known before it happened, whatever available_at says; a null available_at means the
   * event time. A time that does not parse is null (the row cannot be placed: see {@link
   * UnplacedRows}). Floating-point values are normalised as SQL compares them: −0.0 becomes 0.0.
   */
  public static Dataset<Row> prepared(SparkSession spark, LakeLayout layout, FeatureView view) {
    return prepared(view, rows(spark, layout, view));
  }

  /** {@link #prepared(SparkSession, LakeLayout, FeatureView)} of rows already filtered and derived. */
  public static Dataset<Row> prepared(FeatureView view, Dataset<Row> rows) {
    List<Column> columns = new ArrayList<>();
    view.entities().forEach(k -> columns.add(col(k)));
    Column eventTime = expr(view.eventTime().orElseThrow()).try_cast(DataTypes.TimestampNTZType);
    columns.add(eventTime.as(EVENT_TIME));
    columns.add(greatest(expr(view.availabilityExpression()).try_cast(DataTypes.TimestampNTZType), eventTime).as(AVAILABLE_AT));
    List<Column> values = view.features().stream().map(f -> expr(f.valueExpression()).as(valueColumn(f))).toList();
    StructType valueTypes = rows.select(values.toArray(Column[]::new)).schema();
    for (FeatureSpec feature : view.features()) {
      Column value = expr(feature.valueExpression());
      DataType type = valueTypes.apply(valueColumn(feature)).dataType();
      if (type.equals(DataTypes.DoubleType) || type.equals(DataTypes.FloatType)) {
        // −0.0 and 0.0 are equal to SQL but sort and print apart; one of them keeps "last" and min/max stable.
        value = when(value.equalTo(lit(0)), lit(0).cast(type)).otherwise(value);
      }
      columns.add(value.as(valueColumn(feature)));
    }
    return rows.select(columns.toArray(Column[]::new));
  }
}
