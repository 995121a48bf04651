package io.treeline.serving.compile;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.tree.CategoricalSplit;
import org.apache.spark.ml.tree.ContinuousSplit;
import org.apache.spark.ml.tree.InternalNode;
import org.apache.spark.ml.tree.LeafNode;
import org.apache.spark.ml.tree.Node;
import org.apache.spark.ml.tree.Split;

/**
 * Decision trees flattened into two arrays in depth-first order, so that a node's left child is
 * the next node and a walk mostly reads neighbouring memory:
 *
 * <ul>
 *   <li>{@code links[2i]}: the feature a split reads (with {@link #CATEGORICAL} set for a
 *       categorical split), or {@code -1 - leaf} for a leaf; {@code links[2i + 1]}: the right child;
 *   <li>{@code values[i]}: the threshold (go left when {@code x <= threshold}), or for a
 *       categorical split the index of its left-category bitset.
 * </ul>
 *
 * (One interleaved array of 16-byte nodes measured no faster: see docs/benchmarks.md.)
 *
 * Leaves keep their prediction and class counts in arrays of their own.
 */
final class Forest {
  private static final int CATEGORICAL = 1 << 30;

  private final int[] roots;
  private final int[] links;
  private final double[] values;
  private final long[][] categorySets;
  private final double[] leafPrediction;
  private final double[][] leafStats;

  private Forest(List<Node> trees) {
    List<Node> all = new ArrayList<>();
    roots = new int[trees.size()];
    for (int t = 0; t < trees.size(); t++) {
      roots[t] = all.size();
      collect(trees.get(t), all);
    }
    int n = all.size();
    links = new int[2 * n];
    values = new double[n];
    List<long[]> sets = new ArrayList<>();
    List<Double> predictions = new ArrayList<>();
    List<double[]> stats = new ArrayList<>();
    int[] right = rightChildren(all);
    for (int i = 0; i < n; i++) {
      Node node = all.get(i);
      if (node instanceof InternalNode internal) {
        Split split = internal.split();
        if (split instanceof ContinuousSplit continuous) {
          links[2 * i] = split.featureIndex();
          values[i] = continuous.threshold();
        } else if (split instanceof CategoricalSplit categorical) {
          links[2 * i] = split.featureIndex() | CATEGORICAL;
          values[i] = sets.size();
          sets.add(bitset(categorical.leftCategories()));
        } else {
          throw new UnsupportedStageException("a tree split of type " + split.getClass().getName() + " is not supported");
        }
        links[2 * i + 1] = right[i];
      } else {
        LeafNode leaf = (LeafNode) node;
        links[2 * i] = -1 - predictions.size();
        predictions.add(leaf.prediction());
        stats.add(leaf.impurityStats() == null ? null : leaf.impurityStats().stats().clone());
      }
    }
    categorySets = sets.toArray(long[][]::new);
    leafPrediction = predictions.stream().mapToDouble(Double::doubleValue).toArray();
    leafStats = stats.toArray(double[][]::new);
  }

  static Forest of(List<Node> roots) {
    return new Forest(roots);
  }

  /** Pre-order: a node, its left subtree, its right subtree. */
  private static void collect(Node node, List<Node> nodes) {
    nodes.add(node);
    if (node instanceof InternalNode internal) {
      collect(internal.leftChild(), nodes);
      collect(internal.rightChild(), nodes);
    }
  }

  private static int[] rightChildren(List<Node> nodes) {
    java.util.IdentityHashMap<Node, Integer> index = new java.util.IdentityHashMap<>();
    for (int i = 0; i < nodes.size(); i++) {
      index.put(nodes.get(i), i);
    }
    int[] right = new int[nodes.size()];
    for (int i = 0; i < nodes.size(); i++) {
      if (nodes.get(i) instanceof InternalNode internal) {
        right[i] = index.get(internal.rightChild());
      }
    }
    return right;
  }

  /** Category indices are small non-negative whole numbers (StringIndexer, VectorIndexer). */
  private static long[] bitset(double[] categories) {
    int max = 0;
    for (double c : categories) {
      max = Math.max(max, (int) c);
    }
    long[] bits = new long[max / 64 + 1];
    for (double c : categories) {
      bits[(int) c >>> 6] |= 1L << ((int) c & 63);
    }
    return bits;
  }

  int trees() {
    return roots.length;
  }

  /** The leaf (an index into the leaf arrays) tree {@code t} reaches for the features {@code x}. */
  int leaf(int t, double[] x) {
    int i = roots[t];
    int[] links = this.links;
    double[] values = this.values;
    int link;
    while ((link = links[2 * i]) >= 0) {
      boolean goLeft;
      if ((link & CATEGORICAL) == 0) {
        goLeft = x[link] <= values[i];
      } else {
        double value = x[link & ~CATEGORICAL];
        long[] set = categorySets[(int) values[i]];
        int category = (int) value;
        goLeft = category == value && category >= 0 && (category >>> 6) < set.length && (set[category >>> 6] & (1L << (category & 63))) != 0;
      }
      i = goLeft ? i + 1 : links[2 * i + 1];
    }
    return -1 - link;
  }

  double prediction(int leaf) {
    return leafPrediction[leaf];
  }

  double[] stats(int leaf) {
    return leafStats[leaf];
  }
}
