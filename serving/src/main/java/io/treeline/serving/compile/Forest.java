package io.treeline.serving.compile;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.ml.tree.CategoricalSplit;
import org.apache.spark.ml.tree.ContinuousSplit;
import org.apache.spark.ml.tree.InternalNode;
import org.apache.spark.ml.tree.LeafNode;
import org.apache.spark.ml.tree.Node;
import org.apache.spark.ml.tree.Split;

/**
 * Decision trees flattened into arrays, one entry per node: the feature a split reads, its
 * threshold (go left when {@code x <= threshold}) or its sorted left categories, the children, and
 * for leaves the prediction and the class counts. A prediction is a walk of array reads.
 */
final class Forest {
  private final int[] roots;
  private final int[] feature;
  private final double[] threshold;
  private final double[][] leftCategories;
  private final int[] left;
  private final int[] right;
  private final double[] leafPrediction;
  private final double[][] leafStats;

  private Forest(List<Node> roots) {
    List<Node> nodes = new ArrayList<>();
    this.roots = new int[roots.size()];
    for (int t = 0; t < roots.size(); t++) {
      this.roots[t] = nodes.size();
      collect(roots.get(t), nodes);
    }
    int n = nodes.size();
    feature = new int[n];
    threshold = new double[n];
    leftCategories = new double[n][];
    left = new int[n];
    right = new int[n];
    leafPrediction = new double[n];
    leafStats = new double[n][];
    java.util.IdentityHashMap<Node, Integer> index = new java.util.IdentityHashMap<>();
    for (int i = 0; i < n; i++) {
      index.put(nodes.get(i), i);
    }
    for (int i = 0; i < n; i++) {
      Node node = nodes.get(i);
      if (node instanceof InternalNode internal) {
        Split split = internal.split();
        feature[i] = split.featureIndex();
        if (split instanceof ContinuousSplit continuous) {
          threshold[i] = continuous.threshold();
        } else if (split instanceof CategoricalSplit categorical) {
          double[] categories = categorical.leftCategories().clone();
          Arrays.sort(categories);
          leftCategories[i] = categories;
        } else {
          throw new UnsupportedStageException("a tree split of type " + split.getClass().getName() + " is not supported");
        }
        left[i] = index.get(internal.leftChild());
        right[i] = index.get(internal.rightChild());
      } else {
        LeafNode leaf = (LeafNode) node;
        feature[i] = -1;
        leafPrediction[i] = leaf.prediction();
        leafStats[i] = leaf.impurityStats() == null ? null : leaf.impurityStats().stats().clone();
      }
    }
  }

  static Forest of(List<Node> roots) {
    return new Forest(roots);
  }

  private static void collect(Node node, List<Node> nodes) {
    nodes.add(node);
    if (node instanceof InternalNode internal) {
      collect(internal.leftChild(), nodes);
      collect(internal.rightChild(), nodes);
    }
  }

  int trees() {
    return roots.length;
  }

  /** The leaf tree {@code t} reaches for the features {@code x}. */
  int leaf(int t, double[] x) {
    int i = roots[t];
    while (feature[i] >= 0) {
      double value = x[feature[i]];
      double[] categories = leftCategories[i];
      boolean goLeft = categories == null ? value <= threshold[i] : Arrays.binarySearch(categories, value) >= 0;
      i = goLeft ? left[i] : right[i];
    }
    return i;
  }

  double prediction(int leaf) {
    return leafPrediction[leaf];
  }

  double[] stats(int leaf) {
    return leafStats[leaf];
  }
}
