package io.treeline.modelpackage.compiled;

import java.util.List;

/**
 * One decision tree, its nodes in pre-order: a split's left child is the next node, its right
 * child the node at {@link Split#right}.
 */
public record TreeSpec(List<Node> nodes) {
  public TreeSpec {
    nodes = List.copyOf(nodes);
  }

  public sealed interface Node {}

  /**
   * @param stats Spark's impurity statistics (a classifier's class counts), or null when the model kept none
   */
  public record Leaf(double prediction, double[] stats) implements Node {}

  /**
   * A row goes left when {@code x[feature] <= threshold} for a continuous split; for a categorical
   * one ({@code leftCategories} not null) when {@code x[feature]} is one of {@code leftCategories}.
   * A value in neither side follows Spark, which tests membership in the smaller side only.
   */
  public record Split(int feature, double threshold, double[] leftCategories, int numCategories, int right) implements Node {
    public boolean categorical() {
      return leftCategories != null;
    }

    /** The categories of {@code 0 .. numCategories - 1} not in {@code leftCategories}, ascending. */
    public double[] rightCategories() {
      java.util.Set<Double> left = new java.util.HashSet<>();
      for (double c : leftCategories) {
        left.add(c);
      }
      return java.util.stream.IntStream.range(0, numCategories).mapToDouble(c -> c).filter(c -> !left.contains(c)).toArray();
    }
  }

  /** The depth of the subtree at {@code node}: 0 for a leaf. */
  public int depth(int node) {
    return nodes.get(node) instanceof Split split ? 1 + Math.max(depth(node + 1), depth(split.right())) : 0;
  }
}
