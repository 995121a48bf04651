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

  Frame(int numbers, int strings, int vectors) {
    this.numbers = new double[numbers];
    java.util.Arrays.fill(this.numbers, Double.NaN);
    this.strings = new String[strings];
    this.vectors = new double[vectors][];
  }
}
