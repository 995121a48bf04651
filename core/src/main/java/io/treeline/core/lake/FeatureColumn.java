package io.treeline.core.lake;

import java.util.Objects;

/**
 * A looked-up feature as a column of a training set and as an input of the model trained on it:
 * feature {@code feature} of view {@code view} is the column {@code <view>__<feature>}. The rule
 * lives here alone, because the feature store names the column, the model package records the
 * view and feature, and serving finds the model input again; callers keep the (view, feature)
 * pair and never split a column name.
 */
public record FeatureColumn(String view, String feature) {
  static final String SEPARATOR = "__";

  public FeatureColumn {
    Objects.requireNonNull(view, "view");
    Objects.requireNonNull(feature, "feature");
  }

  public String column() {
    return view + SEPARATOR + feature;
  }

  @Override
  public String toString() {
    return column();
  }
}
