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

  public OnlineTable {
    entityKeys = List.copyOf(entityKeys);
    features = List.copyOf(features);
  }

  // A server looks its tables up in maps for every request: the record's own equals and hashCode go
  // through method handles over every column name.
  @Override
  public boolean equals(Object other) {
    return this == other
        || other instanceof OnlineTable table && view.equals(table.view) && entityKeys.equals(table.entityKeys) && features.equals(table.features);
  }

  @Override
  public int hashCode() {
    return view.hashCode();
  }
}
