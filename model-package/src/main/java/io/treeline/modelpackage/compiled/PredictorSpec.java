package io.treeline.modelpackage.compiled;

import java.util.List;

/**
 * The pipeline's last stage, a tree model over the assembled vector {@code featuresColumn}.
 *
 * @param numClasses 0 for a regressor
 * @param thresholds Spark's per-class {@code thresholds} param, or null when unset
 * @param treeWeights a GBT's weights, null otherwise
 */
public record PredictorSpec(Kind kind, String featuresColumn, int numFeatures, int numClasses, double[] thresholds, double[] treeWeights,
    List<TreeSpec> trees) {
  public enum Kind { FOREST_CLASSIFIER, TREE_CLASSIFIER, GBT_CLASSIFIER, FOREST_REGRESSOR, TREE_REGRESSOR, GBT_REGRESSOR }

  public PredictorSpec {
    trees = List.copyOf(trees);
  }
}
