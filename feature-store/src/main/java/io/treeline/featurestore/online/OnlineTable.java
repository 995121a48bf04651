package io.treeline.featurestore.online;

import java.util.List;

/**
 * The online shape of one feature view: its name, entity key columns and feature columns. Rows
 * written for it carry the key columns, {@code feature_time}, optionally {@code source_time} (when
 * the newest source row behind the values became known: their age) and the feature columns.
 */
public record OnlineTable(String view, List<String> entityKeys, List<String> features) implements java.io.Serializable {
  public static final String FEATURE_TIME = "feature_time";
  public static final String SOURCE_TIME = "source_time";

  /** The source_time column of rows that may lack one (null there). */
  public static org.apache.spark.sql.Column sourceTime(org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> rows) {
    return java.util.Arrays.asList(rows.columns()).contains(SOURCE_TIME)
        ? org.apache.spark.sql.functions.col(SOURCE_TIME)
        : org.apache.spark.sql.functions.lit(null).cast(org.apache.spark.sql.types.DataTypes.TimestampNTZType).as(SOURCE_TIME);
  }

  public OnlineTable {
    entityKeys = List.copyOf(entityKeys);
    features = List.copyOf(features);
  }
}
