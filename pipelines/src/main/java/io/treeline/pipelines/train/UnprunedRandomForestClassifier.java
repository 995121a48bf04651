package io.treeline.pipelines.train;

import java.util.Arrays;
import org.apache.spark.ml.classification.DecisionTreeClassificationModel;
import org.apache.spark.ml.classification.RandomForestClassificationModel;
import org.apache.spark.ml.classification.RandomForestClassifier;
import org.apache.spark.ml.feature.Instance;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.tree.DecisionTreeModel;
import org.apache.spark.ml.tree.impl.RandomForest$;
import org.apache.spark.ml.util.DatasetUtils$;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MetadataUtils$;
import org.apache.spark.mllib.tree.configuration.Algo$;
import org.apache.spark.mllib.tree.configuration.Strategy;
import org.apache.spark.rdd.RDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import scala.Option;
import scala.Some;

/**
 * Spark's RandomForestClassifier without the pruning Spark 4.2 applies to every grown tree: sibling
 * leaves that predict the same class are merged (SPARK-3159). On a rare positive class (a fifth of
 * the flights are late) most sibling leaves predict 0, so the merge throws away the leaf
 * probabilities the AUC ranks by: one depth-8 tree on the flights had 239 nodes and test AUC 0.716,
 * scikit-learn's unpruned one 0.728; the 40-tree forest 0.7287 against 0.7387 (docs/benchmarks.md).
 * Spark 4.3 adds a {@code pruneTree} parameter (SPARK-34591); until then this calls Spark's own
 * tree builder with pruning off, with the estimator's parameters as Spark's train does. The fitted
 * model is Spark's RandomForestClassificationModel, saved, loaded, served and read by MLflow like
 * any other.
 */
public final class UnprunedRandomForestClassifier extends RandomForestClassifier {
  public UnprunedRandomForestClassifier() {
    this(Identifiable$.MODULE$.randomUID("rfc"));
  }

  public UnprunedRandomForestClassifier(String uid) {
    super(uid);
  }

  @Override
  public RandomForestClassificationModel train(Dataset<?> dataset) {
    scala.collection.immutable.Map<Object, Object> categorical = MetadataUtils$.MODULE$.getCategoricalFeatures(dataset.schema().apply(getFeaturesCol()));
    int numClasses = getNumClasses(dataset, getNumClasses$default$2());
    RDD<Instance> instances = dataset.select(
            DatasetUtils$.MODULE$.checkClassificationLabels(getLabelCol(), new Some<>(numClasses)),
            DatasetUtils$.MODULE$.checkNonNegativeWeights(get(weightCol())),
            DatasetUtils$.MODULE$.checkNonNanVectors(getFeaturesCol()))
        .toJavaRDD().map((Row row) -> new Instance(row.getDouble(0), row.getDouble(1), (Vector) row.get(2))).rdd();
    Strategy strategy = getOldStrategy(categorical, numClasses, Algo$.MODULE$.Classification(), getOldImpurity());
    strategy.bootstrap_$eq(getBootstrap());
    boolean prune = false;
    DecisionTreeModel[] grown = RandomForest$.MODULE$.run(instances, strategy, getNumTrees(), getFeatureSubsetStrategy(), getSeed(), Option.empty(),
        prune, new Some<>(uid()));
    DecisionTreeClassificationModel[] trees = Arrays.stream(grown)
        .map(tree -> copyValues((DecisionTreeClassificationModel) tree, ParamMap.empty()))
        .toArray(DecisionTreeClassificationModel[]::new);
    return copyValues(new RandomForestClassificationModel(uid(), trees, trees[0].numFeatures(), numClasses), ParamMap.empty());
  }

  @Override
  public UnprunedRandomForestClassifier copy(ParamMap extra) {
    return (UnprunedRandomForestClassifier) defaultCopy(extra);
  }
}
