package io.treeline.serving.compile;

/**
 * A group of trees compiled to Java methods ({@link TreeSource}), each returning the leaf its tree
 * reaches, numbered as {@link Forest} numbers leaves.
 */
interface TreeCode {
  /** The leaf each of the group's trees reaches for the row {@code x}, into {@code leaves} at the tree's number. */
  void leaves(double[] x, int[] leaves);

  /** The leaf tree {@code tree} (one of the group's) reaches for each row of {@code xs}, into {@code leaves}. */
  void leaves(int tree, double[][] xs, int[] leaves);
}
