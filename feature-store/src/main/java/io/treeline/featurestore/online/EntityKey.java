package io.treeline.featurestore.online;

import java.util.List;

/** The values of a view's entity key columns, in the view's key order, as strings ("ORD"; "ORD", "LAX"). */
public record EntityKey(List<String> values) implements java.io.Serializable {
  public EntityKey {
    values = List.copyOf(values);
  }

  public static EntityKey of(String... values) {
    return new EntityKey(List.of(values));
  }
}
