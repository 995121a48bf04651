package io.treeline.featurestore.spec;

import static org.apache.spark.sql.functions.expr;

import io.delta.tables.DeltaTable;
import io.treeline.core.lake.LakeLayout;
import io.treeline.core.lake.TableName;
import io.treeline.featurestore.offline.OfflineTable;
import io.treeline.featurestore.offline.ViewSource;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.NumericType;

/**
 * Checks a parsed view against its source's schema: every column it names exists, times are
 * timestamps, aggregated values have the right type. Only Spark's analyzer runs — no job, no data
 * read beyond the table's metadata.
 */
public final class FeatureViewChecker {
  private static final Set<String> RESERVED = Set.of(OfflineTable.FEATURE_TIME, OfflineTable.SOURCE_TIME, OfflineTable.FEATURE_DATE);

  private final SparkSession spark;
  private final LakeLayout layout;

  public FeatureViewChecker(SparkSession spark, LakeLayout layout) {
    this.spark = spark;
    this.layout = layout;
  }

  /** The outcome for one view: checked against its source, or why the columns could not be checked. */
  public record Outcome(FeatureView view, Optional<String> notChecked) {}

  public Outcome check(FeatureView view) {
    for (FeatureSpec feature : view.features()) {
      if (view.entities().contains(feature.name()) || RESERVED.contains(feature.name())) {
        throw SpecError.at(view.file(), view.name(), "features." + feature.name() + ".name",
            "the name is taken by an entity key or by " + RESERVED, "Rename the feature.");
      }
    }
    if (view.source().table().isPresent()
        && !DeltaTable.isDeltaTable(spark, layout.table(TableName.parse(view.source().table().get())))) {
      return new Outcome(view, Optional.of("source table " + view.source().table().get()
          + " does not exist yet, so column names were not checked (load it, then validate again)"));
    }
    Dataset<Row> data;
    try {
      data = ViewSource.rows(spark, layout, withoutDerived(view));
    } catch (Exception e) {
      return new Outcome(view, Optional.of("source " + view.source().describe() + " cannot be read: " + firstLine(e)));
    }
    if (view.source().filter().isPresent()) {
      resolve(view, "source.filter", data, view.source().filter().get());
      data = data.where(expr(view.source().filter().get()));
    }
    for (var column : view.columns().entrySet()) {
      resolve(view, "columns." + column.getKey(), data, column.getValue());
      data = data.withColumn(column.getKey(), expr(column.getValue()));
    }
    for (String key : view.entities()) {
      if (!List.of(data.columns()).contains(key)) {
        throw SpecError.at(view.file(), view.name(), "entities", "column '" + key + "' is not in the source (columns: "
            + String.join(", ", data.columns()) + ")", "Name a source column, or derive it under columns:.");
      }
    }
    if (view.eventTime().isPresent()) {
      requireTime(view, "event_time", resolve(view, "event_time", data, view.eventTime().get()));
    }
    if (view.availableAt().isPresent()) {
      requireTime(view, "available_at", resolve(view, "available_at", data, view.availableAt().get()));
    }
    for (FeatureSpec feature : view.features()) {
      String key = "features." + feature.name() + ".expr";
      DataType type = resolve(view, key, data, feature.valueExpression()).schema().fields()[0].dataType();
      if (feature.effectiveAggregation().numeric() && !(type instanceof NumericType)) {
        throw SpecError.at(view.file(), view.name(), key, "agg " + feature.effectiveAggregation().key() + " needs a number, but '"
            + feature.valueExpression() + "' is " + type.simpleString(), "Aggregate a numeric expression, e.g. CAST(x AS DOUBLE).");
      }
    }
    return new Outcome(view, Optional.empty());
  }

  /** Resolves {@code expression} against {@code data}; an analysis error names the view's key. */
  private Dataset<Row> resolve(FeatureView view, String key, Dataset<Row> data, String expression) {
    try {
      return data.select(expr(expression));
    } catch (Exception e) { // Spark throws its checked AnalysisException without declaring it
      throw SpecError.at(view.file(), view.name(), key, "'" + expression + "' does not resolve against " + view.source().describe()
          + ": " + firstLine(e), "Use the source's columns: " + String.join(", ", data.columns()) + ".");
    }
  }

  private static void requireTime(FeatureView view, String key, Dataset<Row> resolved) {
    DataType type = resolved.schema().fields()[0].dataType();
    if (!(type.equals(DataTypes.TimestampType) || type.equals(DataTypes.TimestampNTZType) || type.equals(DataTypes.DateType))) {
      throw SpecError.at(view.file(), view.name(), key, "must be a timestamp, but is " + type.simpleString(),
          "Give a timestamp column or expression, e.g. to_timestamp(ts).");
    }
  }

  /** The source without filter and derived columns, which the checker applies one at a time. */
  private static FeatureView withoutDerived(FeatureView view) {
    return new FeatureView(view.name(), view.description(), view.owner(), view.tags(), view.entities(),
        new SourceSpec(view.source().table(), view.source().path(), view.source().format(), Optional.empty()),
        java.util.Map.of(), view.eventTime(), view.availableAt(), view.ttl(), view.online(), view.features(), view.file());
  }

  private static String firstLine(Exception e) {
    String message = e.getMessage() == null ? e.toString() : e.getMessage();
    return message.lines().findFirst().orElse("").trim();
  }
}
