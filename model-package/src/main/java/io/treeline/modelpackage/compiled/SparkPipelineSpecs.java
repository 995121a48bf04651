package io.treeline.modelpackage.compiled;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.classification.DecisionTreeClassificationModel;
import org.apache.spark.ml.classification.GBTClassificationModel;
import org.apache.spark.ml.classification.ProbabilisticClassificationModel;
import org.apache.spark.ml.classification.RandomForestClassificationModel;
import org.apache.spark.ml.feature.Bucketizer;
import org.apache.spark.ml.feature.ImputerModel;
import org.apache.spark.ml.feature.MinMaxScalerModel;
import org.apache.spark.ml.feature.OneHotEncoderModel;
import org.apache.spark.ml.feature.StandardScalerModel;
import org.apache.spark.ml.feature.StringIndexerModel;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.feature.VectorIndexerModel;
import org.apache.spark.ml.param.shared.HasInputCol;
import org.apache.spark.ml.param.shared.HasInputCols;
import org.apache.spark.ml.param.shared.HasOutputCol;
import org.apache.spark.ml.param.shared.HasOutputCols;
import org.apache.spark.ml.regression.DecisionTreeRegressionModel;
import org.apache.spark.ml.regression.GBTRegressionModel;
import org.apache.spark.ml.regression.RandomForestRegressionModel;
import org.apache.spark.ml.tree.CategoricalSplit;
import org.apache.spark.ml.tree.ContinuousSplit;
import org.apache.spark.ml.tree.DecisionTreeModel;
import org.apache.spark.ml.tree.InternalNode;
import org.apache.spark.ml.tree.LeafNode;
import org.apache.spark.ml.tree.Node;

/**
 * Reads a fitted Spark PipelineModel into a {@link PipelineSpec}: the one place that knows Spark
 * ML's classes. Anything serving cannot reproduce exactly is refused by name.
 */
public final class SparkPipelineSpecs {
  private SparkPipelineSpecs() {}

  public static PipelineSpec of(PipelineModel model) {
    Transformer[] all = model.stages();
    if (all.length == 0) {
      throw new UnsupportedStageException("the pipeline has no stages");
    }
    List<StageSpec> stages = new ArrayList<>();
    for (int i = 0; i < all.length - 1; i++) {
      stages.add(stage(all[i], "stage " + (i + 1) + " of " + all.length));
    }
    Transformer last = all[all.length - 1];
    PredictorSpec predictor = predictor(last);
    if (predictor == null) {
      throw new UnsupportedStageException("stage " + all.length + " of " + all.length + " (" + last.getClass().getSimpleName()
          + ") is not supported as the last stage: it must be a RandomForest, DecisionTree or GBT classifier or regressor reading an assembled vector");
    }
    return new PipelineSpec(stages, predictor);
  }

  static StageSpec stage(Transformer stage, String name) {
    if (stage instanceof ImputerModel m) {
      return new StageSpec.Imputer(inputs(m, name), outputs(m, name), m.surrogates(), m.getMissingValue());
    }
    if (stage instanceof StringIndexerModel m) {
      return new StageSpec.StringIndexer(inputs(m, name), outputs(m, name), m.labelsArray(), m.getHandleInvalid());
    }
    if (stage instanceof OneHotEncoderModel m) {
      return new StageSpec.OneHotEncoder(inputs(m, name), outputs(m, name), m.categorySizes(), m.getHandleInvalid(), m.getDropLast());
    }
    if (stage instanceof VectorAssembler m) {
      return new StageSpec.VectorAssembler(m.getInputCols(), m.getOutputCol(), m.getHandleInvalid());
    }
    if (stage instanceof StandardScalerModel m) {
      return new StageSpec.StandardScaler(m.getInputCol(), m.getOutputCol(), m.mean().toArray(), m.std().toArray(), m.getWithMean(), m.getWithStd());
    }
    if (stage instanceof MinMaxScalerModel m) {
      return new StageSpec.MinMaxScaler(m.getInputCol(), m.getOutputCol(), m.originalMin().toArray(), m.originalMax().toArray(), m.getMin(), m.getMax());
    }
    if (stage instanceof Bucketizer m) {
      boolean multi = m.isSet(m.inputCols());
      return new StageSpec.Bucketizer(multi ? m.getInputCols() : new String[] {m.getInputCol()},
          multi ? m.getOutputCols() : new String[] {m.getOutputCol()}, multi ? m.getSplitsArray() : new double[][] {m.getSplits()},
          m.getHandleInvalid());
    }
    if (stage instanceof VectorIndexerModel m) {
      Map<Integer, Map<Double, Integer>> maps = new HashMap<>();
      m.javaCategoryMaps().forEach((feature, categories) -> maps.put(feature, new HashMap<>(categories)));
      return new StageSpec.VectorIndexer(m.getInputCol(), m.getOutputCol(), maps, m.getHandleInvalid());
    }
    throw new UnsupportedStageException(name + " (" + stage.getClass().getSimpleName() + ") is not supported for serving; supported: "
        + "StringIndexer, OneHotEncoder, VectorAssembler, Imputer, StandardScaler, MinMaxScaler, Bucketizer, VectorIndexer, "
        + "and RandomForest, DecisionTree and GBT classifiers and regressors as the last stage");
  }

  private static PredictorSpec predictor(Transformer model) {
    String features = model.hasParam("featuresCol") ? (String) model.getOrDefault(model.getParam("featuresCol")) : null;
    if (model instanceof RandomForestClassificationModel m) {
      return new PredictorSpec(PredictorSpec.Kind.FOREST_CLASSIFIER, features, m.numFeatures(), m.numClasses(), thresholds(m), null, trees(m.trees()));
    }
    if (model instanceof DecisionTreeClassificationModel m) {
      return new PredictorSpec(PredictorSpec.Kind.TREE_CLASSIFIER, features, m.numFeatures(), m.numClasses(), thresholds(m), null,
          List.of(tree(m.rootNode())));
    }
    if (model instanceof GBTClassificationModel m) {
      return new PredictorSpec(PredictorSpec.Kind.GBT_CLASSIFIER, features, m.numFeatures(), 2, thresholds(m), m.treeWeights(), trees(m.trees()));
    }
    if (model instanceof RandomForestRegressionModel m) {
      return new PredictorSpec(PredictorSpec.Kind.FOREST_REGRESSOR, features, m.numFeatures(), 0, null, null, trees(m.trees()));
    }
    if (model instanceof DecisionTreeRegressionModel m) {
      return new PredictorSpec(PredictorSpec.Kind.TREE_REGRESSOR, features, m.numFeatures(), 0, null, null, List.of(tree(m.rootNode())));
    }
    if (model instanceof GBTRegressionModel m) {
      return new PredictorSpec(PredictorSpec.Kind.GBT_REGRESSOR, features, m.numFeatures(), 0, null, m.treeWeights(), trees(m.trees()));
    }
    return null;
  }

  private static List<TreeSpec> trees(DecisionTreeModel[] trees) {
    return Arrays.stream(trees).map(t -> tree(t.rootNode())).toList();
  }

  /** A tree from its root, in pre-order. */
  public static TreeSpec tree(Node root) {
    List<TreeSpec.Node> nodes = new ArrayList<>();
    add(root, nodes);
    return new TreeSpec(nodes);
  }

  private static void add(Node node, List<TreeSpec.Node> nodes) {
    if (node instanceof LeafNode leaf) {
      nodes.add(new TreeSpec.Leaf(leaf.prediction(), leaf.impurityStats() == null ? null : leaf.impurityStats().stats().clone()));
      return;
    }
    InternalNode internal = (InternalNode) node;
    int at = nodes.size();
    nodes.add(null); // the split, once its right child's place is known
    add(internal.leftChild(), nodes);
    int right = nodes.size();
    add(internal.rightChild(), nodes);
    if (internal.split() instanceof ContinuousSplit continuous) {
      nodes.set(at, new TreeSpec.Split(continuous.featureIndex(), continuous.threshold(), null, 0, right));
    } else if (internal.split() instanceof CategoricalSplit categorical) {
      nodes.set(at, new TreeSpec.Split(categorical.featureIndex(), Double.NaN, categorical.leftCategories().clone(), categorical.numCategories(), right));
    } else {
      throw new UnsupportedStageException("a tree split of type " + internal.split().getClass().getName() + " is not supported");
    }
  }

  private static double[] thresholds(ProbabilisticClassificationModel<?, ?> model) {
    return model.isDefined(model.thresholds()) ? model.getThresholds() : null;
  }

  private static String[] inputs(Object stage, String name) {
    if (stage instanceof HasInputCols multi && multi.isSet(multi.inputCols())) {
      return multi.getInputCols();
    }
    if (stage instanceof HasInputCol single) {
      return new String[] {single.getInputCol()};
    }
    throw new UnsupportedStageException(name + " has no input columns");
  }

  private static String[] outputs(Object stage, String name) {
    if (stage instanceof HasOutputCols multi && multi.isSet(multi.outputCols())) {
      return multi.getOutputCols();
    }
    if (stage instanceof HasOutputCol single) {
      return new String[] {single.getOutputCol()};
    }
    throw new UnsupportedStageException(name + " has no output columns");
  }
}
