package io.treeline.serving.compile;

import io.treeline.modelpackage.compiled.TreeSpec;
import io.treeline.modelpackage.compiled.UnsupportedStageException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * Decision trees flattened for a walk with no branch on the row's values: nodes in depth-first
 * order so that a node's left child is the next node, each packed into 8 bytes.
 *
 * <p>A row is binned once, before the walk. For a continuous feature, {@code bins[f]} is the
 * number of the feature's distinct thresholds (across all trees, ascending) below {@code x[f]}, and
 * a node stores the index {@code k} of its threshold: {@code x[f] <= thresholds[k]} exactly when
 * {@code bins[f] <= k}, and NaN, binned past every threshold, goes right as in Spark. For a
 * categorical feature, {@code bins[f]} is the category, or the feature's arity for a value that is
 * no category (unseen, negative, fractional, NaN), and a node stores where the set of bins that go
 * right starts in {@code words}.
 *
 * <p>Node {@code i} is {@code nodes[i]}, two ints in one long so that a step reads it at once.
 * The low int is {@code feature << 17 | k} for a continuous split and
 * {@code CATEGORICAL | feature << 17 | offset} (its low 17 bits) for a categorical one; the high
 * int is the right child, with a categorical split's offset past 17 bits in its top 7. A leaf is a split that always goes right, to itself: it tests the extra
 * bin {@code alwaysRight}, which is 1, against 0. Every step computes both tests with arithmetic
 * (a continuous node reads the zeros at the start of {@code words}; a categorical one compares
 * against the largest payload), so a tree takes exactly its depth in steps whatever the row, and
 * several trees, or several rows, walk side by side: the processor overlaps their loads instead of
 * waiting on one chain of loads and mispredicted branches at a time. Leaves keep their prediction
 * and class probabilities in arrays of their own, found through {@code leafAt}.
 */
final class Forest {
  /** The sign bit: -1 after an arithmetic shift for a categorical split, 0 otherwise. */
  private static final int CATEGORICAL = 1 << 31;
  private static final int FEATURE_SHIFT = 17;
  private static final int FEATURE_BITS = (1 << 14) - 1;
  private static final int PAYLOAD = (1 << FEATURE_SHIFT) - 1;
  private static final int MAX_FEATURES = 1 << 13;
  private static final int MAX_INDEX = 1 << 16;
  /** The high int: the right child below bit 24, the high bits of a categorical split's offset above it. */
  private static final int RIGHT_BITS = (1 << 24) - 1;
  private static final int MAX_OFFSET = 1 << (FEATURE_SHIFT + 7);
  /** How many trees (one row) or rows (one tree) a walk takes side by side. */
  private static final int LANES = 4;

  private final int[] roots;
  /** Per group of {@link #LANES} trees from tree {@code LANES * g}: the steps its deepest leaf takes. */
  private final int[] groupDepth;
  private final int[] treeDepth;
  private final long[] nodes;
  private final int[] leafAt;
  private final double[][] thresholds;
  private final int[] binned;
  private final int[] categoricalFeatures;
  private final int[] arity;
  /** The bin every leaf tests: past the features' bins, always 1. */
  private final int alwaysRight;
  /** Zeros (what continuous nodes read), then each distinct categorical split's right-going bins as bits. */
  private final int[] words;
  private final double[] leafPrediction;
  private final double[][] leafStats;
  private final int numClasses;
  private static long pack(int first, int second) {
    return (first & 0xFFFFFFFFL) | (long) second << 32;
  }

  /** Per leaf, its class counts divided by their total (Spark's per-tree vote), {@code numClasses} apart; zeros for no counts. */
  private final double[] leafVotes;

  private Forest(List<TreeSpec> trees) {
    List<TreeSpec.Node> all = new ArrayList<>();
    roots = new int[trees.size()];
    treeDepth = new int[trees.size()];
    int[] right = new int[trees.stream().mapToInt(t -> t.nodes().size()).sum()];
    for (int t = 0; t < trees.size(); t++) {
      roots[t] = all.size();
      treeDepth[t] = trees.get(t).depth(0);
      for (TreeSpec.Node node : trees.get(t).nodes()) {
        if (node instanceof TreeSpec.Split split) {
          right[all.size()] = roots[t] + split.right();
        }
        all.add(node);
      }
    }
    groupDepth = new int[(trees.size() + LANES - 1) / LANES];
    for (int t = 0; t < trees.size(); t++) {
      groupDepth[t / LANES] = Math.max(groupDepth[t / LANES], treeDepth[t]);
    }
    for (TreeSpec.Node node : all) {
      if (node instanceof TreeSpec.Split split && split.feature() >= MAX_FEATURES) {
        throw new UnsupportedStageException("a tree splits on feature " + split.feature() + "; compiled trees support at most "
            + MAX_FEATURES + " features");
      }
    }
    thresholds = thresholdsByFeature(all);
    binned = IntStream.range(0, thresholds.length).filter(f -> thresholds[f].length > 0).toArray();
    Map<Integer, Integer> arities = aritiesByFeature(all, thresholds);
    categoricalFeatures = arities.keySet().stream().mapToInt(Integer::intValue).sorted().toArray();
    arity = IntStream.of(categoricalFeatures).map(arities::get).toArray();
    alwaysRight = Math.max(thresholds.length, IntStream.of(categoricalFeatures).max().orElse(-1) + 1);
    int maxThresholds = IntStream.range(0, thresholds.length).map(f -> thresholds[f].length).max().orElse(0);
    List<Integer> words = new ArrayList<>(java.util.Collections.nCopies((maxThresholds >>> 5) + 1, 0));
    Map<List<Integer>, Integer> sets = new HashMap<>();
    int n = all.size();
    if (n > RIGHT_BITS) {
      throw new UnsupportedStageException("the trees have " + n + " nodes; compiled trees support at most " + RIGHT_BITS);
    }
    nodes = new long[n];
    int[] first = new int[n];
    leafAt = new int[n];
    List<Double> predictions = new ArrayList<>();
    List<double[]> stats = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      TreeSpec.Node node = all.get(i);
      if (node instanceof TreeSpec.Split split) {
        int feature = split.feature();
        if (!split.categorical() && !Double.isNaN(split.threshold())) {
          int k = lowerBound(thresholds[feature], split.threshold());
          if (k >= MAX_INDEX) {
            throw new UnsupportedStageException("feature " + feature + " has " + thresholds[feature].length
                + " distinct split thresholds across the trees; compiled trees support at most " + MAX_INDEX);
          }
          first[i] = feature << FEATURE_SHIFT | k;
        } else if (!split.categorical()) {
          first[i] = alwaysRight << FEATURE_SHIFT; // x <= NaN for no x
        } else {
          int offset = categorySet(rightGoing(split, arities.get(feature)), sets, words);
          first[i] = CATEGORICAL | feature << FEATURE_SHIFT | offset & PAYLOAD;
          right[i] |= offset >>> FEATURE_SHIFT << 24;
        }
        nodes[i] = pack(first[i], right[i]);
        leafAt[i] = -1;
      } else {
        TreeSpec.Leaf leaf = (TreeSpec.Leaf) node;
        nodes[i] = pack(alwaysRight << FEATURE_SHIFT, i);
        leafAt[i] = predictions.size();
        predictions.add(leaf.prediction());
        stats.add(leaf.stats() == null ? null : leaf.stats().clone());
      }
    }
    this.words = words.stream().mapToInt(Integer::intValue).toArray();
    leafPrediction = predictions.stream().mapToDouble(Double::doubleValue).toArray();
    leafStats = stats.toArray(double[][]::new);
    numClasses = stats.stream().filter(s -> s != null).mapToInt(s -> s.length).max().orElse(0);
    leafVotes = votes(leafStats, numClasses);
  }

  /** Per categorical feature, its arity; a feature split both as a number and as a category is refused. */
  private static Map<Integer, Integer> aritiesByFeature(List<TreeSpec.Node> nodes, double[][] thresholds) {
    Map<Integer, Integer> arities = new HashMap<>();
    for (TreeSpec.Node node : nodes) {
      if (node instanceof TreeSpec.Split split && split.categorical()) {
        int feature = split.feature();
        if (feature < thresholds.length && thresholds[feature].length > 0) {
          throw new UnsupportedStageException("feature " + feature + " is split both as a number and as a category; compiled trees need one or the other");
        }
        if (split.numCategories() >= MAX_INDEX) {
          throw new UnsupportedStageException("feature " + feature + " has " + split.numCategories() + " categories; compiled trees support fewer than " + MAX_INDEX);
        }
        arities.merge(feature, split.numCategories(), Math::max);
      }
    }
    return arities;
  }

  /**
   * The bins (categories 0 to arity - 1, and arity for a value that is no category) a row goes
   * right from. Spark tests membership in the smaller side: when that is the left side, a value
   * outside every category goes right; when it is the right side, it goes left.
   */
  private static BitSet rightGoing(TreeSpec.Split split, int arity) {
    BitSet right = new BitSet();
    if (split.leftCategories().length <= split.numCategories() / 2) {
      right.set(0, arity + 1);
      for (double c : split.leftCategories()) {
        right.clear((int) c);
      }
    } else {
      for (double c : split.rightCategories()) {
        right.set((int) c);
      }
    }
    return right;
  }

  /** Where the set starts in {@code words}, appending it the first time; splits with the same set share it. */
  private static int categorySet(BitSet set, Map<List<Integer>, Integer> sets, List<Integer> words) {
    long[] longs = set.toLongArray();
    List<Integer> bits = new ArrayList<>();
    for (int w = 0; w < 2 * longs.length; w++) {
      bits.add((int) (longs[w / 2] >>> (32 * (w % 2))));
    }
    Integer offset = sets.get(bits);
    if (offset == null) {
      offset = words.size();
      if (offset + bits.size() > MAX_OFFSET) {
        throw new UnsupportedStageException("the trees' categorical splits need more than " + MAX_OFFSET + " words of category sets; compiled trees support at most that");
      }
      words.addAll(bits);
      sets.put(bits, offset);
    }
    return offset;
  }

  /** Spark's vote of a leaf: each class count over the leaf's total, the total summed in class order as Spark sums it. */
  private static double[] votes(double[][] stats, int numClasses) {
    double[] votes = new double[stats.length * numClasses];
    for (int leaf = 0; leaf < stats.length; leaf++) {
      double[] counts = stats[leaf];
      if (counts == null) {
        continue;
      }
      double total = 0;
      for (double c : counts) {
        total += c;
      }
      if (total != 0) {
        for (int i = 0; i < Math.min(counts.length, numClasses); i++) {
          votes[leaf * numClasses + i] = counts[i] / total;
        }
      }
    }
    return votes;
  }

  static Forest of(List<TreeSpec> trees) {
    return new Forest(trees);
  }

  /**
   * Per feature, the distinct thresholds of its continuous splits, ascending. Distinct as
   * {@code <=} sees them: -0.0 and 0.0 are one threshold, since {@code x <= -0.0} exactly when
   * {@code x <= 0.0}.
   */
  private static double[][] thresholdsByFeature(List<TreeSpec.Node> nodes) {
    Map<Integer, List<Double>> byFeature = new HashMap<>();
    int features = 0;
    for (TreeSpec.Node node : nodes) {
      if (node instanceof TreeSpec.Split split && !split.categorical() && !Double.isNaN(split.threshold())) {
        byFeature.computeIfAbsent(split.feature(), f -> new ArrayList<>()).add(split.threshold());
        features = Math.max(features, split.feature() + 1);
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

  /**
   * How many of the ascending {@code thresholds} are below {@code x} (with plain {@code <}, so
   * that {@code x <= thresholds[k]} exactly when the result is at most {@code k}); all of them for
   * NaN, which no threshold is below but which goes right of every split.
   */
  static int lowerBound(double[] thresholds, double x) {
    if (Double.isNaN(x) || thresholds.length == 0) {
      return thresholds.length;
    }
    // The answer is in [base, base + n]. Each halving is a conditional move, not a branch the
    // row's value decides, and the number of halvings depends on the length alone.
    int base = 0;
    int n = thresholds.length;
    while (n > 1) {
      int half = n >>> 1;
      base = thresholds[base + half - 1] < x ? base + half : base;
      n -= half;
    }
    return thresholds[base] < x ? base + 1 : base;
  }

  /** The bins of the features {@code x}, for {@link #leaf}: one per row, shared by every tree. */
  int[] bins(double[] x) {
    int[] bins = new int[alwaysRight + 1];
    for (int f : binned) {
      bins[f] = lowerBound(thresholds[f], x[f]);
    }
    for (int j = 0; j < categoricalFeatures.length; j++) {
      double value = x[categoricalFeatures[j]];
      int category = (int) value;
      bins[categoricalFeatures[j]] = category == value && category >= 0 && category < arity[j] ? category : arity[j];
    }
    bins[alwaysRight] = 1;
    return bins;
  }

  /** The leaf (an index into the leaf arrays) tree {@code t} reaches for a row binned into {@code bins}. */
  int leaf(int t, int[] bins) {
    int i = roots[t];
    for (int step = treeDepth[t]; step > 0; step--) {
      i = step(i, bins);
    }
    return leafAt[i];
  }

  /** The leaf every tree reaches for a row binned into {@code bins}, in tree order, into {@code leaves}. */
  void leaves(int[] bins, int[] leaves) {
    int t = 0;
    for (; t + LANES <= roots.length; t += LANES) {
      walkFour(roots[t], bins, roots[t + 1], bins, roots[t + 2], bins, roots[t + 3], bins, groupDepth[t / LANES], leaves, t);
    }
    for (; t < roots.length; t++) {
      leaves[t] = leaf(t, bins);
    }
  }

  /** The leaf tree {@code t} reaches for each of the rows binned into {@code bins}, into {@code leaves}. */
  void leaves(int t, int[][] bins, int[] leaves) {
    int root = roots[t];
    int r = 0;
    for (; r + LANES <= bins.length; r += LANES) {
      walkFour(root, bins[r], root, bins[r + 1], root, bins[r + 2], root, bins[r + 3], treeDepth[t], leaves, r);
    }
    for (; r < bins.length; r++) {
      leaves[r] = leaf(t, bins[r]);
    }
  }

  /** Four walks in step, each from its node with its row's bins, their leaves into {@code leaves} from {@code at}. */
  private void walkFour(int n0, int[] bins0, int n1, int[] bins1, int n2, int[] bins2, int n3, int[] bins3, int steps, int[] leaves, int at) {
    for (int step = steps; step > 0; step--) {
      n0 = step(n0, bins0);
      n1 = step(n1, bins1);
      n2 = step(n2, bins2);
      n3 = step(n3, bins3);
    }
    leaves[at] = leafAt[n0];
    leaves[at + 1] = leafAt[n1];
    leaves[at + 2] = leafAt[n2];
    leaves[at + 3] = leafAt[n3];
  }

  /** One step down from node {@code i}: to its right child when the row is right of its split, else to {@code i + 1}; a leaf steps to itself. */
  private int step(int i, int[] bins) {
    long both = nodes[i];
    int node = (int) both;
    int second = (int) (both >>> 32);
    int right = second & RIGHT_BITS;
    int categorical = node >> 31;
    int payload = node & PAYLOAD;
    int bin = bins[(node >>> FEATURE_SHIFT) & FEATURE_BITS];
    int offset = (second >>> 24 << FEATURE_SHIFT | payload) & categorical;
    // -1 to go right, else 0: past the threshold's index, or the bin's bit set
    int goRight = ((payload | (categorical & PAYLOAD)) - bin) >> 31 | -((words[offset + (bin >>> 5)] >>> bin) & 1);
    return i + 1 + ((right - i - 1) & goRight);
  }

  int trees() {
    return roots.length;
  }

  double prediction(int leaf) {
    return leafPrediction[leaf];
  }

  double[] stats(int leaf) {
    return leafStats[leaf];
  }

  /** Adds every tree's vote, in tree order, to {@code votes}. */
  void addVotes(int[] leaves, double[] votes) {
    if (votes.length == 2 && numClasses == 2) {
      double v0 = votes[0];
      double v1 = votes[1];
      for (int leaf : leaves) {
        v0 += leafVotes[2 * leaf];
        v1 += leafVotes[2 * leaf + 1];
      }
      votes[0] = v0;
      votes[1] = v1;
      return;
    }
    for (int leaf : leaves) {
      addVote(leaf, votes);
    }
  }

  /** Adds the leaf's vote (Spark's normalised class counts) to {@code votes}. */
  void addVote(int leaf, double[] votes) {
    int base = leaf * numClasses;
    if (votes.length == 2 && numClasses == 2) {
      votes[0] += leafVotes[base];
      votes[1] += leafVotes[base + 1];
      return;
    }
    for (int i = 0; i < votes.length; i++) {
      votes[i] += leafVotes[base + i];
    }
  }
}
