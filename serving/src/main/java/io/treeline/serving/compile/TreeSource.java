package io.treeline.serving.compile;

import io.treeline.modelpackage.compiled.TreeSpec;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
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
 * <p>A method holds about {@link #METHOD_NODES} nodes at most ({@link Method}): the JIT compiles
 * no method of more than 8,000 bytes of bytecode (HugeMethodLimit), and a node takes 12 to 20.
 */
final class TreeSource {
  static final String CLASS_NAME = "io.treeline.serving.compile.GeneratedTrees";
  private static final int METHOD_NODES = 300;
  /** A subtree a spine writes in place rather than calling a method for. */
  private static final int SMALL_SUBTREE = 15;

  private final StringBuilder methods = new StringBuilder();
  /** Where each distinct categorical set of bins starts in {@link #words}. */
  private final Map<List<Long>, Integer> sets = new HashMap<>();
  /** The sets' bits, 64 to a word: the generated class's data. */
  private final List<Long> words = new ArrayList<>();
  private final Map<Integer, Integer> arities;

  private TreeSource(Map<Integer, Integer> arities) {
    this.arities = arities;
  }

  /**
   * The source of {@code trees}, the forest's trees from number {@code firstTree}, whose first leaf
   * is leaf number {@code firstLeaf}; {@code arities} per categorical feature, as {@link Forest}
   * bins it.
   */
  /** A class's source, and the words of its categorical sets, its class data. */
  record Code(String java, long[] sets) {}

  static Code of(List<TreeSpec> trees, int firstTree, int firstLeaf, Map<Integer, Integer> arities) {
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
    // The sets are the class's data (GeneratedForest.sets), not constants in its source: a static initializer is one method
    // of at most 64 KB. A hidden class may name itself only as its own class, so its methods are static, with no `this`.
    out.append("package io.treeline.serving.compile;\n\nfinal class ").append(simpleName).append(" implements TreeCode {\n")
        .append("  private static final long[] SETS = GeneratedForest.sets(java.lang.invoke.MethodHandles.lookup());\n");
    out.append("\n  public void leaves(double[] x, int[] leaves) {\n").append(single).append("  }\n\n");
    out.append("  public void leaves(int tree, double[][] xs, int[] leaves) {\n    switch (tree) {\n").append(batch)
        .append("      default:\n        throw new IllegalArgumentException(\"no tree \" + tree);\n    }\n  }\n\n");
    out.append("""
          /** Whether the value's bin (its category, or the arity for a value that is no category) is in the set at {@code offset}. */
          private static boolean in(int offset, double value, int arity) {
            int category = (int) value;
            int bin = category == value && category >= 0 && category < arity ? category : arity;
            return (SETS[offset + (bin >>> 6)] >>> bin & 1L) != 0;
          }

        """);
    out.append(source.methods).append("}\n");
    return new Code(out.toString(), source.words.stream().mapToLong(Long::longValue).toArray());
  }

  /** Writes tree {@code t}'s methods; returns the name of the one at its root. */
  private String tree(int t, List<TreeSpec.Node> nodes, int firstLeaf) {
    Tree tree = new Tree(t, nodes, firstLeaf);
    Deque<Integer> pending = new ArrayDeque<>(List.of(0));
    while (!pending.isEmpty()) {
      int root = pending.poll();
      methods.append("  private static int ").append(tree.method(root)).append("(double[] x) {\n");
      body(tree, new Method(tree.size[root] > METHOD_NODES), root, pending, "    ");
      methods.append("  }\n\n");
    }
    return tree.method(0);
  }

  /**
   * A method being written. A subtree that fits in one method is written whole; above those, a
   * method writes the spine of nodes whose subtrees do not fit, calls a method for each child
   * subtree that fits (or writes it in place when it is small), and continues the spine in a new
   * method once it holds {@link #METHOD_NODES} nodes of its own.
   */
  private static final class Method {
    final boolean spine;
    int nodes;

    Method(boolean spine) {
      this.spine = spine;
    }
  }

  private void body(Tree tree, Method method, int i, Deque<Integer> pending, String indent) {
    method.nodes++;
    TreeSpec.Node node = tree.nodes.get(i);
    if (node instanceof TreeSpec.Leaf) {
      methods.append(indent).append("return ").append(tree.leafNumber[i]).append(";\n");
      return;
    }
    TreeSpec.Split split = (TreeSpec.Split) node;
    if (!split.categorical() && Double.isNaN(split.threshold())) {
      child(tree, method, split.right(), pending, indent); // x <= NaN for no x
      return;
    }
    methods.append(indent).append("if (").append(goesLeft(split)).append(") {\n");
    child(tree, method, i + 1, pending, indent + "  ");
    methods.append(indent).append("} else {\n");
    child(tree, method, split.right(), pending, indent + "  ");
    methods.append(indent).append("}\n");
  }

  private void child(Tree tree, Method method, int i, Deque<Integer> pending, String indent) {
    int size = tree.size[i];
    boolean inPlace = !method.spine || size <= SMALL_SUBTREE || size > METHOD_NODES && method.nodes < METHOD_NODES;
    if (inPlace) {
      body(tree, method, i, pending, indent);
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
    List<Long> set = new ArrayList<>();
    for (long word : Forest.rightGoing(split, arity).toLongArray()) {
      set.add(word);
    }
    int offset = sets.computeIfAbsent(set, s -> {
      words.addAll(s);
      return words.size() - s.size();
    });
    return "!in(" + offset + ", " + value + ", " + arity + ")";
  }

  /** The double exactly: {@link Double#toString} is the shortest decimal that reads back as the same value. */
  private static String literal(double value) {
    if (Double.isInfinite(value)) {
      return value > 0 ? "Double.POSITIVE_INFINITY" : "Double.NEGATIVE_INFINITY";
    }
    return "(" + value + ")";
  }

  /** A tree being written: its nodes, each leaf's number and each subtree's size in nodes. */
  private static final class Tree {
    final int number;
    final List<TreeSpec.Node> nodes;
    final int[] leafNumber;
    final int[] size;

    Tree(int number, List<TreeSpec.Node> nodes, int firstLeaf) {
      this.number = number;
      this.nodes = nodes;
      leafNumber = new int[nodes.size()];
      size = new int[nodes.size()];
      int leaf = firstLeaf;
      for (int i = 0; i < nodes.size(); i++) {
        leafNumber[i] = nodes.get(i) instanceof TreeSpec.Leaf ? leaf++ : -1;
      }
      // pre-order: a subtree ends where its right child's subtree ends
      for (int i = nodes.size() - 1; i >= 0; i--) {
        size[i] = nodes.get(i) instanceof TreeSpec.Split split ? split.right() - i + size[split.right()] : 1;
      }
    }

    String method(int node) {
      return "tree" + number + "_" + node;
    }
  }
}
