package io.treeline.pipelines.benchmark;

import static org.apache.spark.sql.functions.col;

import io.treeline.core.config.TreelineConfig;
import io.treeline.core.spark.SparkSessions;
import io.treeline.pipelines.spec.ModelParams;
import io.treeline.pipelines.spec.PipelineSpec;
import io.treeline.pipelines.spec.PipelineSpecParser;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.ml.classification.RandomForestClassificationModel;
import org.apache.spark.ml.classification.RandomForestClassifier;
import org.apache.spark.ml.evaluation.BinaryClassificationEvaluator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.Metadata;

/**
 * Forest variants on the training set `treeline train` wrote, one suspect at a time (issue 22):
 * the inputs are prepared once as the pipeline prepares them, then each variant's forest is fitted
 * on the train split and scored on the test split. A variant is {@code name:key=value;key=value},
 * where a key is a RandomForestClassifier parameter, {@code prune=false} (Treeline's unpruned forest) or {@code ordinal=true} (the indexed strings
 * given to the forest as ordered numbers, as scikit-learn sees ordinal codes, instead of Spark's
 * unordered categories). Prints test AUC and fit time per variant. {@code export=DIR} writes the
 * prepared train and test rows as Parquet (column {@code x}, the inputs; {@code label}) for
 * scikit-learn (bin/benchmark-quality --sklearn).
 *
 * <p>Run with bin/benchmark-quality --experiments LAKE VARIANT...
 */
public final class ForestExperiments {
  public static void main(String[] args) {
    String lake = args[0];
    PipelineSpec spec = PipelineSpecParser.parse(Path.of(args[1]));
    SparkSession spark = SparkSessions.create(TreelineConfig.defaults().with(Map.of("lake.root", lake)), "treeline-forest-experiments");
    PreparedInputs inputs = PreparedInputs.of(spark, lake, spec);
    Dataset<Row> trainVectors = inputs.train();
    Dataset<Row> testVectors = inputs.test();
    System.out.printf("machine: %d cores, Java %s, heap %d MiB; train %,d rows, test %,d rows; %d numeric, %d categorical inputs%n",
        Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), Runtime.getRuntime().maxMemory() >> 20,
        trainVectors.count(), testVectors.count(), inputs.numeric(), inputs.categorical());
    System.out.printf("%-28s %-10s %-8s %-8s %s%n", "variant", "test AUC", "fit s", "nodes", "parameters");
    for (int i = 2; i < args.length; i++) {
      if (args[i].startsWith("export=")) {
        // the same prepared inputs for another library: a list of doubles per row and the label
        String directory = args[i].substring("export=".length());
        for (var split : Map.of("train", trainVectors, "test", testVectors).entrySet()) {
          split.getValue().select(org.apache.spark.ml.functions.vector_to_array(col("features"), "float64").as("x"), col("label"))
              .write().mode("overwrite").parquet(directory + "/" + split.getKey());
        }
        System.out.println("exported the prepared inputs to " + directory);
        continue;
      }
      String name = args[i].contains(":") ? args[i].substring(0, args[i].indexOf(':')) : args[i];
      Map<String, Object> params = new LinkedHashMap<>(spec.model().params());
      boolean ordinal = false;
      boolean prune = true;
      String settings = args[i].contains(":") ? args[i].substring(args[i].indexOf(':') + 1) : "";
      for (String pair : settings.split(";")) {
        if (pair.isBlank()) {
          continue;
        }
        String[] kv = pair.split("=", 2);
        if (kv[0].equals("ordinal")) {
          ordinal = Boolean.parseBoolean(kv[1]);
        } else if (kv[0].equals("prune")) {
          prune = Boolean.parseBoolean(kv[1]);
        } else {
          params.put(kv[0], value(kv[1]));
        }
      }
      // without the assembler's nominal attributes every input is an ordered number to the forest
      Dataset<Row> fitOn = ordinal ? trainVectors.withColumn("features", col("features"), Metadata.empty()) : trainVectors;
      Dataset<Row> scoreOn = ordinal ? testVectors.withColumn("features", col("features"), Metadata.empty()) : testVectors;
      RandomForestClassifier forest = (prune ? new RandomForestClassifier() : new io.treeline.pipelines.train.UnprunedRandomForestClassifier())
          .setFeaturesCol("features").setLabelCol("label");
      ModelParams.apply(forest, params);
      long start = System.nanoTime();
      RandomForestClassificationModel model = forest.fit(fitOn);
      double fitSeconds = (System.nanoTime() - start) / 1e9;
      double auc = new BinaryClassificationEvaluator().setLabelCol("label").evaluate(model.transform(scoreOn));
      System.out.printf("%-28s %-10.4f %-8.1f %-8d %s%s%n", name, auc, fitSeconds, model.totalNumNodes(), params, (ordinal ? " ordinal" : "") + (prune ? "" : " unpruned"));
    }
    spark.stop();
  }

  /** A parameter value as the spec's YAML would have typed it. */
  private static Object value(String text) {
    if (text.equals("true") || text.equals("false")) {
      return Boolean.valueOf(text);
    }
    if (text.matches("-?\\d+")) {
      return Integer.valueOf(text);
    }
    return text.matches("-?[\\d.]+") ? (Object) Double.valueOf(text) : text;
  }
}
