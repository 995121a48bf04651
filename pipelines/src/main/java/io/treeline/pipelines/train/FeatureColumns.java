package io.treeline.pipelines.train;

import java.util.List;

/**
 * The model's inputs as named columns of the training set: numeric ones (cast to double) and
 * categorical ones (strings), in a fixed order — request features first, then looked-up features.
 */
public record FeatureColumns(List<String> numeric, List<String> categorical) {
  public FeatureColumns {
    numeric = List.copyOf(numeric);
    categorical = List.copyOf(categorical);
  }

  public List<String> all() {
    List<String> all = new java.util.ArrayList<>(numeric);
    all.addAll(categorical);
    return all;
  }
}
