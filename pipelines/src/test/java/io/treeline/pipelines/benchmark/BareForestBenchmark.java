package io.treeline.pipelines.benchmark;


import io.treeline.core.config.TreelineConfig;
import io.treeline.core.spark.SparkSessions;
import io.treeline.pipelines.spec.ModelParams;
import io.treeline.pipelines.spec.PipelineSpec;
import io.treeline.pipelines.spec.PipelineSpecParser;
import java.nio.file.Path;
import java.util.Map;
import org.apache.spark.ml.classification.RandomForestClassificationModel;
import org.apache.spark.ml.classification.RandomForestClassifier;
import org.apache.spark.ml.evaluation.BinaryClassificationEvaluator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The same forest as a pipeline's, fitted by hand with plain Spark on the training set `treeline
 * train` wrote: the inputs are assembled once, then only RandomForestClassifier.fit is timed. The
 * gap to the train command's fit phase is the platform's overhead. Prints figures.
 *
 * <p>Run with bin/benchmark-train.
 */
public final class BareForestBenchmark {
  public static void main(String[] args) {
    String lake = args[0];
    PipelineSpec spec = PipelineSpecParser.parse(Path.of(args[1]));
    SparkSession spark = SparkSessions.create(TreelineConfig.defaults().with(Map.of("lake.root", lake)), "treeline-bare-forest");
    PreparedInputs inputs = PreparedInputs.of(spark, lake, spec);
    Dataset<Row> trainVectors = inputs.train();
    long rows = trainVectors.count();

    RandomForestClassifier forest = new RandomForestClassifier().setFeaturesCol("features").setLabelCol("label");
    ModelParams.apply(forest, spec.model().params());
    long start = System.nanoTime();
    RandomForestClassificationModel model = forest.fit(trainVectors);
    double fitSeconds = (System.nanoTime() - start) / 1e9;
    double auc = new BinaryClassificationEvaluator().setLabelCol("label").evaluate(model.transform(inputs.test()));
    System.out.printf("machine: %d cores, Java %s, heap %d MiB%n", Runtime.getRuntime().availableProcessors(),
        System.getProperty("java.version"), Runtime.getRuntime().maxMemory() >> 20);
    System.out.printf("bare RandomForestClassifier.fit, %s, %,d rows: %.1f s, test AUC %.4f%n", spec.model().params(), rows, fitSeconds, auc);
    spark.stop();
  }
}
