package io.treeline.modelpackage.compiled;

import java.util.Map;

/**
 * One fitted feature stage: the columns it reads and writes and the values it learned, exactly as
 * Spark keeps them. {@code handleInvalid} is Spark's setting ("error", "skip" or "keep").
 */
public sealed interface StageSpec {
  record Imputer(String[] inputs, String[] outputs, double[] surrogates, double missingValue) implements StageSpec {}

  record StringIndexer(String[] inputs, String[] outputs, String[][] labels, String handleInvalid) implements StageSpec {}

  record OneHotEncoder(String[] inputs, String[] outputs, int[] categorySizes, String handleInvalid, boolean dropLast) implements StageSpec {}

  record VectorAssembler(String[] inputs, String output, String handleInvalid) implements StageSpec {}

  record StandardScaler(String input, String output, double[] mean, double[] std, boolean withMean, boolean withStd) implements StageSpec {}

  /** {@code min} and {@code max} are the output range; {@code originalMin} and {@code originalMax} what training saw. */
  record MinMaxScaler(String input, String output, double[] originalMin, double[] originalMax, double min, double max) implements StageSpec {}

  record Bucketizer(String[] inputs, String[] outputs, double[][] splits, String handleInvalid) implements StageSpec {}

  /** Per categorical feature of the vector, its values' category indexes. */
  record VectorIndexer(String input, String output, Map<Integer, Map<Double, Integer>> categoryMaps, String handleInvalid) implements StageSpec {}
}
