package io.treeline.serving.compile;

import io.treeline.modelpackage.compiled.TreeSpec;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Java source of a class implementing {@link TreeCode} for a group of trees: each split an
 * {@code if} on the feature's raw value, each leaf a {@code return} of its number.
 *
 * <p>The comparisons are Spark's: {@code x <= threshold} goes left, so NaN goes right, and a
 * threshold of NaN sends every row right. A categorical split tests the row's bin ({@link
 * Forest#bins}) in the set of bins that go right ({@link Forest#rightGoing}).
 *
 * <p>A method holds at most {@link #METHOD_NODES} nodes, taken breadth first from its root, and
 * calls a method of its own for each subtree below them. The JIT compiles no method of more than
 * 8,000 bytes of bytecode (HugeMethodLimit) and a class file allows 64 KB; a node takes about 12.
 */
final class TreeSource {
  static final String CLASS_NAME = "io.treeline.serving.compile.GeneratedTrees";
  private static final int METHOD_NODES = 400;

  private final StringBuilder methods = new StringBuilder();
  /** Each distinct categorical set of bins, as the name of its {@code long[]} constant. */
  private final Map<List<Long>, String> sets = new LinkedHashMap<>();
  private final Map<Integer, Integer> arities;

  private TreeSource(Map<Integer, Integer> arities) {
    this.arities = arities;
  }

  /**
   * The source of {@code trees}, the forest's trees from number {@code firstTree}, whose first leaf
   * is leaf number {@code firstLeaf}; {@code arities} per categorical feature, as {@link Forest}
   * bins it.
   */
  static String of(List<TreeSpec> trees, int firstTree, int firstLeaf, Map<Integer, Integer> arities) {
    TreeSource source = new TreeSource(arities);
    StringBuilder single = new StringBuilder();
    StringBuilder batch = new StringBuilder();
    int leaf = firstLeaf;
    for (int i = 0; i < trees.size(); i++) {
      int t = firstTree + i;
      String root = source.tree(t, trees.get(i).nodes(), leaf);
      single.append("    leaves[").append(t).append("] = ").append(root).append("(x);\n");
      batch.append("      case ").append(t).append(":\n        for (int r = 0; r < xs.length; r++) {\n          leaves[r] = ")
          .append(root).append("(xs[r]);\n        }\n        return;\n");
      leaf += (int) trees.get(i).nodes().stream().filter(n -> n instanceof TreeSpec.Leaf).count();
    }
    StringBuilder out = new StringBuilder();
    String simpleName = CLASS_NAME.substring(CLASS_NAME.lastIndexOf('.') + 1);
    out.append("package io.treeline.serving.compile;\n\nfinal class ").append(simpleName).append(" implements TreeCode {\n");
    for (Map.Entry<List<Long>, String> set : source.sets.entrySet()) {
      out.append("  private static final long[] ").append(set.getValue()).append(" = {");
      for (long word : set.getKey()) {
        out.append("0x").append(Long.toHexString(word)).append("L, ");
      }
      out.append("};\n");
    }
    out.append("\n  public void leaves(double[] x, int[] leaves) {\n").append(single).append("  }\n\n");
    out.append("  public void leaves(int tree, double[][] xs, int[] leaves) {\n    switch (tree) {\n").append(batch)
        .append("      default:\n        throw new IllegalArgumentException(\"no tree \" + tree);\n    }\n  }\n\n");
    out.append("""
          /** Whether the value's bin (its category, or the arity for a value that is no category) is in the set. */
          private static boolean in(long[] set, double value, int arity) {
            int category = (int) value;
            int bin = category == value && category >= 0 && category < arity ? category : arity;
            return (set[bin >>> 6] >>> bin & 1L) != 0;
          }

        """);
    out.append(source.methods).append("}\n");
    return out.toString();
  }

  /** Writes tree {@code t}'s methods; returns the name of the one at its root. */
  private String tree(int t, List<TreeSpec.Node> nodes, int firstLeaf) {
    int[] leafNumber = new int[nodes.size()];
    int leaf = firstLeaf;
    for (int i = 0; i < nodes.size(); i++) {
      leafNumber[i] = nodes.get(i) instanceof TreeSpec.Leaf ? leaf++ : -1;
    }
    Tree tree = new Tree(t, nodes, leafNumber);
    Deque<Integer> pending = new ArrayDeque<>(List.of(0));
    while (!pending.isEmpty()) {
      int root = pending.poll();
      BitSet inline = tree.breadthFirst(root);
      methods.append("  private static int ").append(tree.method(root)).append("(double[] x) {\n");
      body(tree, root, inline, pending, "    ");
      methods.append("  }\n\n");
    }
    return tree.method(0);
  }

  private void body(Tree tree, int i, BitSet inline, Deque<Integer> pending, String indent) {
    TreeSpec.Node node = tree.nodes.get(i);
    if (node instanceof TreeSpec.Leaf) {
      methods.append(indent).append("return ").append(tree.leafNumber[i]).append(";\n");
      return;
    }
    TreeSpec.Split split = (TreeSpec.Split) node;
    if (!split.categorical() && Double.isNaN(split.threshold())) {
      child(tree, split.right(), inline, pending, indent); // x <= NaN for no x
      return;
    }
    methods.append(indent).append("if (").append(goesLeft(split)).append(") {\n");
    child(tree, i + 1, inline, pending, indent + "  ");
    methods.append(indent).append("} else {\n");
    child(tree, split.right(), inline, pending, indent + "  ");
    methods.append(indent).append("}\n");
  }

  private void child(Tree tree, int i, BitSet inline, Deque<Integer> pending, String indent) {
    if (inline.get(i) || tree.nodes.get(i) instanceof TreeSpec.Leaf) {
      body(tree, i, inline, pending, indent);
    } else {
      pending.add(i);
      methods.append(indent).append("return ").append(tree.method(i)).append("(x);\n");
    }
  }

  private String goesLeft(TreeSpec.Split split) {
    String value = "x[" + split.feature() + "]";
    if (!split.categorical()) {
      return value + " <= " + literal(split.threshold());
    }
    int arity = arities.get(split.feature());
    List<Long> words = new ArrayList<>();
    for (long word : Forest.rightGoing(split, arity).toLongArray()) {
      words.add(word);
    }
    String set = sets.computeIfAbsent(words, w -> "RIGHT" + sets.size());
    return "!in(" + set + ", " + value + ", " + arity + ")";
  }

  /** The double exactly: {@link Double#toString} is the shortest decimal that reads back as the same value. */
  private static String literal(double value) {
    if (Double.isInfinite(value)) {
      return value > 0 ? "Double.POSITIVE_INFINITY" : "Double.NEGATIVE_INFINITY";
    }
    return "(" + value + ")";
  }

  /** A tree being written: its nodes, each leaf's number, and which nodes have methods. */
  private record Tree(int number, List<TreeSpec.Node> nodes, int[] leafNumber) {
    String method(int node) {
      return "tree" + number + "_" + node;
    }

    /** The first {@link #METHOD_NODES} nodes of the subtree at {@code root}, breadth first. */
    BitSet breadthFirst(int root) {
      BitSet taken = new BitSet();
      Deque<Integer> queue = new ArrayDeque<>(List.of(root));
      while (!queue.isEmpty() && taken.cardinality() < METHOD_NODES) {
        int i = queue.poll();
        taken.set(i);
        if (nodes.get(i) instanceof TreeSpec.Split split) {
          queue.add(i + 1);
          queue.add(split.right());
        }
      }
      return taken;
    }
  }
}
