package io.treeline.serving.compile;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.spark.ml.tree.CategoricalSplit;
import org.apache.spark.ml.tree.ContinuousSplit;
import org.apache.spark.ml.tree.InternalNode;
import org.apache.spark.ml.tree.LeafNode;
import org.apache.spark.ml.tree.Node;
import org.apache.spark.ml.tree.Split;

/**
 * Decision trees flattened for a walk that is bound by memory, not arithmetic: nodes in
 * depth-first order so that a node's left child is the next node, and each node packed into two
 * ints (8 bytes) so that a walk reads half the memory a double threshold would need.
 *
 * <p>A threshold fits in the int because a feature has few distinct thresholds across all the
 * trees (Spark picks each tree's from at most maxBins - 1 candidates): a node stores the index
 * {@code k} of its threshold in its feature's sorted thresholds, and a row is binned once, before
 * the walk, into {@code bins[f]}, the number of thresholds below {@code x[f]}. Then
 * {@code x[f] <= thresholds[k]} exactly when {@code bins[f] <= k}, and NaN, binned past every
 * threshold, goes right as in Spark.
 *
 * <p>Node {@code i} is {@code nodes[2i]}, {@code nodes[2i + 1]} (its right child):
 * {@code feature << 16 | k} for a continuous split, {@code CATEGORICAL | feature << 16 | set} for
 * a categorical split (which reads {@code x[feature]} itself), {@code -1 - leaf} for a leaf.
 * Leaves keep their prediction and class counts in arrays of their own.
 */
final class Forest {
  private static final int CATEGORICAL = 1 << 30;
  /** On a categorical split: the set holds the right categories, and a row goes left when its value is not among them. */
  private static final int COMPLEMENT = 1 << 29;
  private static final int FEATURE_BITS = (1 << 13) - 1;
  private static final int MAX_FEATURES = 1 << 13;
  private static final int MAX_INDEX = 1 << 16;

  private final int[] roots;
  private final int[] nodes;
  private final double[][] thresholds;
  private final int[] binned;
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
    thresholds = thresholdsByFeature(all);
    binned = IntStream.range(0, thresholds.length).filter(f -> thresholds[f].length > 0).toArray();
    int n = all.size();
    nodes = new int[2 * n];
    Map<BitSet, Integer> sets = new HashMap<>();
    List<Double> predictions = new ArrayList<>();
    List<double[]> stats = new ArrayList<>();
    int[] right = rightChildren(all);
    for (int i = 0; i < n; i++) {
      Node node = all.get(i);
      if (node instanceof InternalNode internal) {
        Split split = internal.split();
        int feature = split.featureIndex();
        if (feature >= MAX_FEATURES) {
          throw new UnsupportedStageException("a tree splits on feature " + feature + "; compiled trees support at most " + MAX_FEATURES + " features");
        }
        if (split instanceof ContinuousSplit continuous && !Double.isNaN(continuous.threshold())) {
          int k = lowerBound(thresholds[feature], continuous.threshold());
          if (k >= MAX_INDEX) {
            throw new UnsupportedStageException("feature " + feature + " has " + thresholds[feature].length
                + " distinct split thresholds across the trees; compiled trees support at most " + MAX_INDEX);
          }
          nodes[2 * i] = feature << 16 | k;
        } else if (split instanceof ContinuousSplit) {
          // x <= NaN for no x: an empty category set sends every row right as well
          nodes[2 * i] = categorical(feature, new BitSet(), sets);
        } else if (split instanceof CategoricalSplit categorical) {
          // Spark keeps the smaller side and tests membership in it, so a value outside every
          // category (unseen, negative, fractional) goes left when it keeps the right side.
          boolean keepsLeft = categorical.leftCategories().length <= categorical.numCategories() / 2;
          nodes[2 * i] = keepsLeft
              ? categorical(feature, bitset(categorical.leftCategories()), sets)
              : categorical(feature, bitset(categorical.rightCategories()), sets) | COMPLEMENT;
        } else {
          throw new UnsupportedStageException("a tree split of type " + split.getClass().getName() + " is not supported");
        }
        nodes[2 * i + 1] = right[i];
      } else {
        LeafNode leaf = (LeafNode) node;
        nodes[2 * i] = -1 - predictions.size();
        predictions.add(leaf.prediction());
        stats.add(leaf.impurityStats() == null ? null : leaf.impurityStats().stats().clone());
      }
    }
    categorySets = new long[sets.size()][];
    sets.forEach((set, index) -> categorySets[index] = set.toLongArray());
    leafPrediction = predictions.stream().mapToDouble(Double::doubleValue).toArray();
    leafStats = stats.toArray(double[][]::new);
  }

  static Forest of(List<Node> roots) {
    return new Forest(roots);
  }

  /** A categorical split's first word; splits with the same left categories share one set. */
  private static int categorical(int feature, BitSet left, Map<BitSet, Integer> sets) {
    int set = sets.computeIfAbsent(left, s -> sets.size());
    if (set >= MAX_INDEX) {
      throw new UnsupportedStageException("the trees have more than " + MAX_INDEX + " distinct sets of left categories; compiled trees support at most " + MAX_INDEX);
    }
    return CATEGORICAL | feature << 16 | set;
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
    IdentityHashMap<Node, Integer> index = new IdentityHashMap<>();
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

  /**
   * Per feature, the distinct thresholds of its continuous splits, ascending. Distinct as
   * {@code <=} sees them: -0.0 and 0.0 are one threshold, since {@code x <= -0.0} exactly when
   * {@code x <= 0.0}.
   */
  private static double[][] thresholdsByFeature(List<Node> nodes) {
    Map<Integer, List<Double>> byFeature = new HashMap<>();
    int features = 0;
    for (Node node : nodes) {
      if (node instanceof InternalNode internal && internal.split() instanceof ContinuousSplit split && !Double.isNaN(split.threshold())) {
        byFeature.computeIfAbsent(split.featureIndex(), f -> new ArrayList<>()).add(split.threshold());
        features = Math.max(features, split.featureIndex() + 1);
      }
    }
    double[][] thresholds = new double[features][];
    for (int f = 0; f < features; f++) {
      double[] sorted = byFeature.getOrDefault(f, List.of()).stream().mapToDouble(Double::doubleValue).sorted().toArray();
      int distinct = 0;
      for (double t : sorted) {
        if (distinct == 0 || t != sorted[distinct - 1]) {
          sorted[distinct++] = t;
        }
      }
      thresholds[f] = Arrays.copyOf(sorted, distinct);
    }
    return thresholds;
  }

  /** Category indices are small non-negative whole numbers (StringIndexer, VectorIndexer). */
  private static BitSet bitset(double[] categories) {
    BitSet bits = new BitSet();
    for (double c : categories) {
      bits.set((int) c);
    }
    return bits;
  }

  /**
   * How many of the ascending {@code thresholds} are below {@code x} (with plain {@code <}, so
   * that {@code x <= thresholds[k]} exactly when the result is at most {@code k}); all of them for
   * NaN, which no threshold is below but which goes right of every split.
   */
  static int lowerBound(double[] thresholds, double x) {
    if (Double.isNaN(x)) {
      return thresholds.length;
    }
    int low = 0;
    int high = thresholds.length;
    while (low < high) {
      int middle = (low + high) >>> 1;
      if (thresholds[middle] < x) {
        low = middle + 1;
      } else {
        high = middle;
      }
    }
    return low;
  }

  int trees() {
    return roots.length;
  }

  /** The bins of the features {@code x}, for {@link #leaf}: one per row, shared by every tree. */
  int[] bins(double[] x) {
    int[] bins = new int[thresholds.length];
    for (int f : binned) {
      bins[f] = lowerBound(thresholds[f], x[f]);
    }
    return bins;
  }

  /** The leaf (an index into the leaf arrays) tree {@code t} reaches for the features {@code x}, binned into {@code bins}. */
  int leaf(int t, int[] bins, double[] x) {
    int[] nodes = this.nodes;
    int i = roots[t];
    int node;
    while ((node = nodes[2 * i]) >= 0) {
      boolean goLeft;
      if ((node & CATEGORICAL) == 0) {
        goLeft = bins[node >>> 16] <= (node & 0xFFFF);
      } else {
        double value = x[(node >>> 16) & FEATURE_BITS];
        long[] set = categorySets[node & 0xFFFF];
        int category = (int) value;
        boolean member = category == value && category >= 0 && (category >>> 6) < set.length && (set[category >>> 6] & (1L << (category & 63))) != 0;
        goLeft = member != ((node & COMPLEMENT) != 0);
      }
      i = goLeft ? i + 1 : nodes[2 * i + 1];
    }
    return -1 - node;
  }

  double prediction(int leaf) {
    return leafPrediction[leaf];
  }

  double[] stats(int leaf) {
    return leafStats[leaf];
  }
}
