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

  // By index: List.equals walks the other list with an iterator, an allocation per hash lookup of a key.
  @Override
  public boolean equals(Object other) {
    if (!(other instanceof EntityKey key) || key.values.size() != values.size()) {
      return false;
    }
    for (int i = 0; i < values.size(); i++) {
      if (!java.util.Objects.equals(values.get(i), key.values.get(i))) {
        return false;
      }
    }
    return true;
  }

  @Override
  public int hashCode() {
    return values.hashCode();
  }
}
