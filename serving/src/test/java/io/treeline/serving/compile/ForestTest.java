package io.treeline.serving.compile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.treeline.modelpackage.compiled.SparkPipelineSpecs;
import io.treeline.modelpackage.compiled.UnsupportedStageException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.tree.CategoricalSplit;
import org.apache.spark.ml.tree.ContinuousSplit;
import org.apache.spark.ml.tree.InternalNode;
import org.apache.spark.ml.tree.LeafNode;
import org.apache.spark.ml.tree.Node;
import org.apache.spark.ml.tree.Split;
import org.junit.jupiter.api.Test;

/**
 * The binned walk against Spark's own {@code x <= threshold} at the edges: values equal to a
 * threshold, NaN, -0.0 and 0.0, infinities, and values outside every threshold. The trees are
 * built by hand (Spark's package-private constructors are public to Java) to place thresholds
 * exactly where training would rarely put them.
 */
class ForestTest {
  private static int leaves;

  private static Forest forest(List<Node> trees) {
    return Forest.of(trees.stream().map(SparkPipelineSpecs::tree).toList());
  }

  private static Node leaf() {
    return new LeafNode(leaves++, 0, null);
  }

  private static Node split(Split split, Node left, Node right) {
    return new InternalNode(0, 0, 0, left, right, split, null);
  }

  private static Node below(int feature, double threshold, Node left, Node right) {
    return split(new ContinuousSplit(feature, threshold), left, right);
  }

  /** What Forest predicts for tree t, beside what Spark predicts. */
  private static double[] both(Forest forest, List<Node> trees, int t, double... x) {
    return new double[] {forest.prediction(forest.leaf(t, forest.bins(x))), trees.get(t).predictImpl(Vectors.dense(x)).prediction()};
  }

  @Test
  void lower_bound_counts_the_thresholds_strictly_below_and_sends_nan_past_them_all() {
    double[] thresholds = {-1.5, -0.0, 2.0, 7.25};
    assertThat(Forest.lowerBound(thresholds, Double.NEGATIVE_INFINITY)).isEqualTo(0);
    assertThat(Forest.lowerBound(thresholds, -10)).isEqualTo(0);
    assertThat(Forest.lowerBound(thresholds, -1.5)).as("equal to the first").isEqualTo(0);
    assertThat(Forest.lowerBound(thresholds, Math.nextUp(-1.5))).isEqualTo(1);
    assertThat(Forest.lowerBound(thresholds, -0.0)).isEqualTo(1);
    assertThat(Forest.lowerBound(thresholds, 0.0)).as("0.0 is not above -0.0").isEqualTo(1);
    assertThat(Forest.lowerBound(thresholds, Double.MIN_VALUE)).isEqualTo(2);
    assertThat(Forest.lowerBound(thresholds, 2.0)).isEqualTo(2);
    assertThat(Forest.lowerBound(thresholds, 7.25)).as("equal to the last").isEqualTo(3);
    assertThat(Forest.lowerBound(thresholds, Math.nextUp(7.25))).isEqualTo(4);
    assertThat(Forest.lowerBound(thresholds, Double.POSITIVE_INFINITY)).isEqualTo(4);
    assertThat(Forest.lowerBound(thresholds, Double.NaN)).isEqualTo(4);
    assertThat(Forest.lowerBound(new double[0], 3)).isEqualTo(0);
    assertThat(Forest.lowerBound(new double[0], Double.NaN)).isEqualTo(0);
  }

  @Test
  void lower_bound_equals_a_plain_count_at_every_length_and_edge() {
    java.util.Random random = new java.util.Random(11);
    for (int length = 0; length <= 70; length++) {
      double[] thresholds = random.doubles(length, -1e6, 1e6).sorted().distinct().toArray();
      List<Double> probes = new ArrayList<>(List.of(Double.NaN, Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY, -0.0, 0.0));
      for (double t : thresholds) {
        probes.addAll(List.of(t, Math.nextUp(t), Math.nextDown(t)));
      }
      for (double x : probes) {
        long below = Double.isNaN(x) ? thresholds.length : java.util.Arrays.stream(thresholds).filter(t -> t < x).count();
        assertThat(Forest.lowerBound(thresholds, x)).as("%s among %d thresholds", x, thresholds.length).isEqualTo((int) below);
      }
    }
  }

  @Test
  void equal_goes_left_nan_goes_right_and_signed_zeros_are_one_threshold() {
    leaves = 0;
    // tree 0: x0 <= 0.0 ? (x0 <= -1 ? 0 : 1) : (x0 <= 3 ? 2 : 3); tree 1: x0 <= -0.0 ? 4 : 5
    List<Node> trees = List.of(
        below(0, 0.0, below(0, -1, leaf(), leaf()), below(0, 3, leaf(), leaf())),
        below(0, -0.0, leaf(), leaf()));
    Forest forest = forest(trees);
    assertThat(forest.prediction(forest.leaf(0, forest.bins(new double[] {3})))).as("equal goes left").isEqualTo(2);
    assertThat(both(forest, trees, 0, 3)).containsExactly(2, 2);
    assertThat(both(forest, trees, 0, Math.nextUp(3.0))).containsExactly(3, 3);
    assertThat(both(forest, trees, 0, -1)).containsExactly(0, 0);
    assertThat(both(forest, trees, 0, -1e300)).as("below the first").containsExactly(0, 0);
    assertThat(both(forest, trees, 0, 1e300)).as("above the last").containsExactly(3, 3);
    assertThat(both(forest, trees, 0, Double.NaN)).as("NaN goes right").containsExactly(3, 3);
    assertThat(both(forest, trees, 1, Double.NaN)).containsExactly(5, 5);
    assertThat(both(forest, trees, 0, -0.0)).containsExactly(1, 1);
    assertThat(both(forest, trees, 1, 0.0)).as("0.0 <= -0.0").containsExactly(4, 4);
    assertThat(both(forest, trees, 1, -0.0)).containsExactly(4, 4);
    assertThat(both(forest, trees, 1, Double.MIN_VALUE)).containsExactly(5, 5);
    assertThat(both(forest, trees, 1, -Double.MIN_VALUE)).containsExactly(4, 4);
  }

  @Test
  void every_edge_value_reaches_the_leaf_spark_reaches() {
    leaves = 0;
    Split categorical = new CategoricalSplit(2, new double[] {0, 2, 70}, 80);
    // More than half the categories on the left: Spark keeps the right ones, and sends values outside all of them left.
    Split wide = new CategoricalSplit(2, java.util.stream.IntStream.range(0, 60).asDoubleStream().toArray(), 80);
    List<Node> trees = List.of(
        below(0, 0.0, below(1, 1.5, leaf(), split(categorical, leaf(), leaf())), below(0, 2.5, leaf(), below(1, Double.NaN, leaf(), leaf()))),
        below(1, -0.0, below(0, Double.NEGATIVE_INFINITY, leaf(), leaf()), below(1, Double.POSITIVE_INFINITY, leaf(), leaf())),
        split(categorical, below(0, Double.MAX_VALUE, leaf(), leaf()), below(1, Double.MIN_VALUE, leaf(), below(0, -0.0, leaf(), leaf()))),
        split(wide, leaf(), leaf()),
        leaf());
    Forest forest = forest(trees);
    double[] thresholds = {0.0, -0.0, 1.5, 2.5, Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY, Double.MAX_VALUE, Double.MIN_VALUE, -1e300, 1e300};
    List<Double> values = new ArrayList<>(List.of(Double.NaN, -7.0, 42.0));
    for (double t : thresholds) {
      values.addAll(List.of(t, Math.nextUp(t), Math.nextDown(t)));
    }
    double[] categories = {0, 1, 2, 69, 70, 71, 79, 80, 500, -1, 2.5, -0.0, Double.NaN, Double.POSITIVE_INFINITY};
    int checked = 0;
    List<double[]> rows = new ArrayList<>();
    for (double x0 : values) {
      for (double x1 : values) {
        for (double x2 : categories) {
          rows.add(new double[] {x0, x1, x2});
          for (int t = 0; t < trees.size(); t++) {
            double[] result = both(forest, trees, t, x0, x1, x2);
            assertThat(result[0]).as("tree %d at (%s, %s, %s)", t, x0, x1, x2).isEqualTo(result[1]);
            checked++;
          }
        }
      }
    }
    assertThat(checked).isGreaterThan(50_000);
    assertWalksSideBySideAgree(forest, rows);
  }

  /** Trees walked four at a time, and rows four at a time, reach the leaves one tree and one row at a time reach. */
  private static void assertWalksSideBySideAgree(Forest forest, List<double[]> rows) {
    double[][] xs = rows.toArray(double[][]::new);
    int[][] bins = new int[xs.length][];
    for (int r = 0; r < xs.length; r++) {
      bins[r] = forest.bins(xs[r]);
      int[] leaves = new int[forest.trees()];
      forest.leaves(bins[r], leaves);
      for (int t = 0; t < forest.trees(); t++) {
        assertThat(leaves[t]).as("tree %d of the side-by-side walk at %s", t, java.util.Arrays.toString(xs[r])).isEqualTo(forest.leaf(t, bins[r]));
      }
    }
    assertThat(xs.length % 4).as("a batch that ends in a partial group of rows").isNotZero();
    for (int t = 0; t < forest.trees(); t++) {
      int[] leaves = new int[xs.length];
      forest.leaves(t, bins, leaves);
      for (int r = 0; r < xs.length; r++) {
        assertThat(leaves[r]).as("tree %d of the batch walk at %s", t, java.util.Arrays.toString(xs[r])).isEqualTo(forest.leaf(t, bins[r]));
      }
    }
  }

  @Test
  void features_and_thresholds_beyond_the_packed_widths_are_refused_by_name() {
    assertThatThrownBy(() -> forest(List.of(below(1 << 13, 1.0, leaf(), leaf()))))
        .isInstanceOf(UnsupportedStageException.class).hasMessageContaining("feature 8192").hasMessageContaining("at most 8192 features");
    forest(List.of(below((1 << 13) - 1, 1.0, leaf(), leaf())));
    List<Node> manyThresholds = IntStream.rangeClosed(0, 1 << 16).mapToObj(i -> below(3, i, leaf(), leaf())).toList();
    assertThatThrownBy(() -> forest(manyThresholds))
        .isInstanceOf(UnsupportedStageException.class).hasMessageContaining("feature 3 has 65537 distinct split thresholds");
    forest(manyThresholds.subList(0, 1 << 16));
  }
}
