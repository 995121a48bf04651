package io.treeline.serving.compile;

import java.util.Arrays;
import java.util.List;
import org.apache.spark.ml.classification.DecisionTreeClassificationModel;
import org.apache.spark.ml.classification.GBTClassificationModel;
import org.apache.spark.ml.classification.RandomForestClassificationModel;
import org.apache.spark.ml.regression.DecisionTreeRegressionModel;
import org.apache.spark.ml.regression.GBTRegressionModel;
import org.apache.spark.ml.regression.RandomForestRegressionModel;
import org.apache.spark.ml.tree.Node;

/**
 * The final stage: a tree model evaluated over the flattened {@link Forest}, with Spark's own
 * arithmetic (a forest classifier averages each tree's normalised class counts, then normalises;
 * a GBT classifier maps its margin through 1/(1+e^(-2m)); a forest regressor averages).
 */
final class Predictor {
  enum Kind { FOREST_CLASSIFIER, TREE_CLASSIFIER, GBT_CLASSIFIER, FOREST_REGRESSOR, TREE_REGRESSOR, GBT_REGRESSOR }

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

  static Predictor of(Object model, int featuresSlot) {
    if (model instanceof RandomForestClassificationModel m) {
      return new Predictor(Kind.FOREST_CLASSIFIER, Forest.of(roots(m.trees())), null, m.numClasses(), thresholds(m), featuresSlot, m.numFeatures());
    }
    if (model instanceof DecisionTreeClassificationModel m) {
      return new Predictor(Kind.TREE_CLASSIFIER, Forest.of(List.of(m.rootNode())), null, m.numClasses(), thresholds(m), featuresSlot, m.numFeatures());
    }
    if (model instanceof GBTClassificationModel m) {
      return new Predictor(Kind.GBT_CLASSIFIER, Forest.of(roots(m.trees())), m.treeWeights(), 2, thresholds(m), featuresSlot, m.numFeatures());
    }
    if (model instanceof RandomForestRegressionModel m) {
      return new Predictor(Kind.FOREST_REGRESSOR, Forest.of(roots(m.trees())), null, 0, null, featuresSlot, m.numFeatures());
    }
    if (model instanceof DecisionTreeRegressionModel m) {
      return new Predictor(Kind.TREE_REGRESSOR, Forest.of(List.of(m.rootNode())), null, 0, null, featuresSlot, m.numFeatures());
    }
    if (model instanceof GBTRegressionModel m) {
      return new Predictor(Kind.GBT_REGRESSOR, Forest.of(roots(m.trees())), m.treeWeights(), 0, null, featuresSlot, m.numFeatures());
    }
    return null;
  }

  private static List<Node> roots(org.apache.spark.ml.tree.DecisionTreeModel[] trees) {
    return Arrays.stream(trees).map(org.apache.spark.ml.tree.DecisionTreeModel::rootNode).toList();
  }

  private static double[] thresholds(org.apache.spark.ml.classification.ProbabilisticClassificationModel<?, ?> model) {
    return model.isDefined(model.thresholds()) ? model.getThresholds() : null;
  }

  boolean classifier() {
    return numClasses > 0;
  }

  int numClasses() {
    return numClasses;
  }

  Prediction predict(double[] x) {
    int[] bins = forest.bins(x);
    switch (kind) {
      case FOREST_CLASSIFIER -> {
        double[] votes = new double[numClasses];
        for (int t = 0; t < forest.trees(); t++) {
          double[] counts = forest.stats(forest.leaf(t, bins, x));
          double total = 0;
          for (double c : counts) {
            total += c;
          }
          if (total != 0) {
            for (int i = 0; i < numClasses; i++) {
              votes[i] += counts[i] / total;
            }
          }
        }
        return classified(votes);
      }
      case TREE_CLASSIFIER -> {
        return classified(forest.stats(forest.leaf(0, bins, x)).clone());
      }
      case GBT_CLASSIFIER -> {
        // raw = (-m, m); Spark's log loss turns raw[0] into P(0), then P(1) = 1 - P(0)
        double margin = margin(bins, x);
        double[] probability = new double[2];
        probability[0] = 1.0 / (1.0 + Math.exp(-2.0 * -margin));
        probability[1] = 1.0 - probability[0];
        return Prediction.classified(label(probability), probability);
      }
      case FOREST_REGRESSOR -> {
        double sum = 0;
        for (int t = 0; t < forest.trees(); t++) {
          sum += forest.prediction(forest.leaf(t, bins, x));
        }
        return Prediction.value(sum / forest.trees());
      }
      case TREE_REGRESSOR -> {
        return Prediction.value(forest.prediction(forest.leaf(0, bins, x)));
      }
      case GBT_REGRESSOR -> {
        return Prediction.value(margin(bins, x));
      }
      default -> throw new IllegalStateException(kind.name());
    }
  }

  private double margin(int[] bins, double[] x) {
    double margin = 0;
    for (int t = 0; t < forest.trees(); t++) {
      margin += forest.prediction(forest.leaf(t, bins, x)) * weights[t];
    }
    return margin;
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
