package io.treeline.serving.compile;

/**
 * One row on its way through a compiled pipeline: every column the stages read or write has a
 * slot, numbers in {@code numbers}, strings in {@code strings}, vectors in {@code vectors}. A
 * missing number is NaN, a missing string null — as Spark's Imputer and StringIndexer see them.
 */
public final class Frame {
  final double[] numbers;
  final String[] strings;
  final double[][] vectors;
  /** The predictor's working arrays for this frame's row, kept with a frame that is reused (null until first needed). */
  int[] bins;
  int[] leaves;

  Frame(int numbers, int strings, int vectors) {
    this.numbers = new double[numbers];
    java.util.Arrays.fill(this.numbers, Double.NaN);
    this.strings = new String[strings];
    this.vectors = new double[vectors][];
  }

  /** Empties the row's numbers and strings for the next one; vectors and working arrays are overwritten by every prediction. */
  void clear() {
    java.util.Arrays.fill(numbers, Double.NaN);
    java.util.Arrays.fill(strings, null);
  }
}
