package io.treeline.serving.compile;

import io.treeline.modelpackage.compiled.TreeSpec;
import java.lang.constant.ConstantDescs;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.codehaus.janino.SimpleCompiler;

/**
 * A forest's trees as Java ({@link TreeSource}), compiled at load time with Janino: a row runs
 * down each tree through plain branches the JIT compiles, instead of through {@link Forest}'s
 * array of nodes. It reaches the leaves {@link Forest} reaches, numbered the same way.
 *
 * <p>Trees are compiled in groups of {@link #GROUP_TREES}, the groups in parallel. Each group is a
 * hidden class of this package: it sees {@link TreeCode}, and it is unloaded with the model.
 */
final class GeneratedForest {
  private static final int GROUP_TREES = 10;

  private final TreeCode[] groups;

  private GeneratedForest(TreeCode[] groups) {
    this.groups = groups;
  }

  static GeneratedForest of(List<TreeSpec> trees, Forest forest) {
    Map<Integer, Integer> arities = forest.arities();
    int[] firstLeaf = new int[trees.size() + 1];
    for (int t = 0; t < trees.size(); t++) {
      firstLeaf[t + 1] = firstLeaf[t] + (int) trees.get(t).nodes().stream().filter(n -> n instanceof TreeSpec.Leaf).count();
    }
    int count = (trees.size() + GROUP_TREES - 1) / GROUP_TREES;
    TreeCode[] groups = IntStream.range(0, count).parallel().mapToObj(g -> {
      int from = g * GROUP_TREES;
      int to = Math.min(trees.size(), from + GROUP_TREES);
      return compile(TreeSource.of(trees.subList(from, to), from, firstLeaf[from], arities));
    }).toArray(TreeCode[]::new);
    return new GeneratedForest(groups);
  }

  private static TreeCode compile(TreeSource.Code code) {
    try {
      SimpleCompiler compiler = new SimpleCompiler();
      compiler.setParentClassLoader(GeneratedForest.class.getClassLoader());
      compiler.cook(code.java());
      byte[] bytes = compiler.getBytecodes().get(TreeSource.CLASS_NAME);
      MethodHandles.Lookup lookup = MethodHandles.lookup().defineHiddenClassWithClassData(bytes, code.sets(), true);
      return (TreeCode) lookup.findConstructor(lookup.lookupClass(), MethodType.methodType(void.class)).invoke();
    } catch (Throwable e) {
      // the source is ours: a failure here is a bug in TreeSource, not in the model
      throw new IllegalStateException("Cannot compile the forest's generated trees: " + e.getMessage(), e);
    }
  }

  /** A generated class's categorical sets: the data it was defined with, read by its static initializer. */
  static long[] sets(MethodHandles.Lookup generated) {
    try {
      return MethodHandles.classData(generated, ConstantDescs.DEFAULT_NAME, long[].class);
    } catch (IllegalAccessException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The leaf every tree reaches for the row {@code x}, in tree order, into {@code leaves}. */
  void leaves(double[] x, int[] leaves) {
    for (TreeCode group : groups) {
      group.leaves(x, leaves);
    }
  }

  /** The leaf tree {@code t} reaches for each row of {@code xs}, into {@code leaves}. */
  void leaves(int t, double[][] xs, int[] leaves) {
    groups[t / GROUP_TREES].leaves(t, xs, leaves);
  }
}
