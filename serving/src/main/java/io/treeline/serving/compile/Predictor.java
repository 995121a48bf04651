package io.treeline.serving.compile;

import io.treeline.modelpackage.compiled.PredictorSpec;
import io.treeline.modelpackage.compiled.PredictorSpec.Kind;

/**
 * The final stage: a tree model evaluated over the flattened {@link Forest}, with Spark's own
 * arithmetic (a forest classifier averages each tree's normalised class counts, then normalises;
 * a GBT classifier maps its margin through 1/(1+e^(-2m)); a forest regressor averages).
 */
final class Predictor {
  private final Kind kind;
  private final Forest forest;
  private final double[] weights;
  private final int numClasses;
  private final double[] thresholds;
  final int featuresSlot;
  final int numFeatures;

  private Predictor(Kind kind, Forest forest, double[] weights, int numClasses, double[] thresholds, int featuresSlot, int numFeatures) {
    this.kind = kind;
    this.forest = forest;
    this.weights = weights;
    this.numClasses = numClasses;
    this.thresholds = thresholds;
    this.featuresSlot = featuresSlot;
    this.numFeatures = numFeatures;
  }

  static Predictor of(PredictorSpec spec, int featuresSlot) {
    return new Predictor(spec.kind(), Forest.of(spec.trees()), spec.treeWeights(), spec.numClasses(), spec.thresholds(), featuresSlot,
        spec.numFeatures());
  }

  boolean classifier() {
    return numClasses > 0;
  }

  int numClasses() {
    return numClasses;
  }

  /** One row: its trees walked side by side, in the working arrays {@code frame} keeps, so a reused frame allocates none. */
  Prediction predict(double[] x, Frame frame) {
    frame.bins = forest.bins(x, frame.bins);
    if (frame.leaves == null || frame.leaves.length != forest.trees()) {
      frame.leaves = new int[forest.trees()];
    }
    int[] leaves = frame.leaves;
    forest.leaves(frame.bins, leaves);
    double[] sum = new double[Math.max(numClasses, 1)];
    if (kind == Kind.FOREST_CLASSIFIER) {
      forest.addVotes(leaves, sum);
    } else {
      for (int t = 0; t < leaves.length; t++) {
        add(t, leaves[t], sum);
      }
    }
    return result(sum);
  }

  /**
   * Many rows: each tree walked over all of them before the next (its nodes stay in cache), rows
   * side by side. Each row's sum still adds its trees in order, so every answer equals
   * {@link #predict(double[], Frame)}'s bit for bit.
   */
  Prediction[] predict(double[][] xs) {
    int[][] bins = new int[xs.length][];
    double[][] sums = new double[xs.length][];
    for (int r = 0; r < xs.length; r++) {
      bins[r] = forest.bins(xs[r]);
      sums[r] = new double[Math.max(numClasses, 1)];
    }
    int[] leaves = new int[xs.length];
    for (int t = 0; t < forest.trees(); t++) {
      forest.leaves(t, bins, leaves);
      if (kind == Kind.FOREST_CLASSIFIER) {
        for (int r = 0; r < xs.length; r++) {
          forest.addVote(leaves[r], sums[r]);
        }
      } else {
        for (int r = 0; r < xs.length; r++) {
          add(t, leaves[r], sums[r]);
        }
      }
    }
    Prediction[] predictions = new Prediction[xs.length];
    for (int r = 0; r < xs.length; r++) {
      predictions[r] = result(sums[r]);
    }
    return predictions;
  }

  /** Adds tree {@code t}'s leaf to a row's running sum, as Spark adds it. */
  private void add(int t, int leaf, double[] sum) {
    switch (kind) {
      case FOREST_CLASSIFIER -> forest.addVote(leaf, sum);
      case TREE_CLASSIFIER -> System.arraycopy(forest.stats(leaf), 0, sum, 0, sum.length);
      case GBT_CLASSIFIER, GBT_REGRESSOR -> sum[0] += forest.prediction(leaf) * weights[t];
      case FOREST_REGRESSOR -> sum[0] += forest.prediction(leaf);
      // a single tree's value as it is: 0.0 + -0.0 would lose the sign
      case TREE_REGRESSOR -> sum[0] = forest.prediction(leaf);
      default -> throw new IllegalStateException(kind.name());
    }
  }

  private Prediction result(double[] sum) {
    return switch (kind) {
      case FOREST_CLASSIFIER, TREE_CLASSIFIER -> classified(sum);
      case GBT_CLASSIFIER -> {
        // raw = (-m, m); Spark's log loss turns raw[0] into P(0), then P(1) = 1 - P(0)
        double[] probability = new double[2];
        probability[0] = 1.0 / (1.0 + Math.exp(-2.0 * -sum[0]));
        probability[1] = 1.0 - probability[0];
        yield Prediction.classified(label(probability), probability);
      }
      case FOREST_REGRESSOR -> Prediction.value(sum[0] / forest.trees());
      case TREE_REGRESSOR, GBT_REGRESSOR -> Prediction.value(sum[0]);
    };
  }

  /** Spark normalises the raw votes in place and predicts the most probable class. */
  private Prediction classified(double[] raw) {
    double sum = 0;
    for (double v : raw) {
      sum += v;
    }
    if (sum != 0) {
      for (int i = 0; i < raw.length; i++) {
        raw[i] /= sum;
      }
    }
    return Prediction.classified(label(raw), raw);
  }

  private double label(double[] probability) {
    int best = 0;
    double bestValue = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < probability.length; i++) {
      double scaled = thresholds == null ? probability[i]
          : thresholds[i] == 0 ? Double.POSITIVE_INFINITY : probability[i] / thresholds[i];
      if (scaled > bestValue) {
        bestValue = scaled;
        best = i;
      }
    }
    return best;
  }
}
