package io.treeline.pipelines.benchmark;

import static org.apache.spark.sql.functions.col;

import io.delta.tables.DeltaTable;
import io.treeline.core.config.TreelineConfig;
import io.treeline.core.lake.LakeLayout;
import io.treeline.core.lake.TableName;
import io.treeline.core.spark.SparkSessions;
import io.treeline.featurestore.pit.TrainingSetBuilder;
import io.treeline.pipelines.spec.ModelParams;
import io.treeline.pipelines.spec.PipelineSpec;
import io.treeline.pipelines.spec.PipelineSpecParser;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.classification.RandomForestClassificationModel;
import org.apache.spark.ml.classification.RandomForestClassifier;
import org.apache.spark.ml.evaluation.BinaryClassificationEvaluator;
import org.apache.spark.ml.feature.Imputer;
import org.apache.spark.ml.feature.StringIndexer;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StringType;

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
    String location = LakeLayout.at(lake).table(new TableName("training", spec.name().replace('-', '_')));
    Dataset<Row> data = spark.read().format("delta").load(location);
    Row detail = DeltaTable.forPath(spark, location).detail().first();
    Map<String, String> properties = detail.getJavaMap(detail.fieldIndex("properties"));
    List<String> featureColumns = List.of(properties.get(TrainingSetBuilder.FEATURES_PROPERTY).split(","));

    List<String> numeric = new ArrayList<>();
    List<String> categorical = new ArrayList<>();
    for (String column : data.columns()) {
      boolean request = spec.requestFeatures().stream().anyMatch(r -> r.name().equals(column));
      boolean lookedUp = featureColumns.contains(column);
      if (!request && !lookedUp) {
        continue;
      }
      boolean text = data.schema().apply(column).dataType() instanceof StringType
          || spec.requestFeatures().stream().anyMatch(r -> r.name().equals(column) && r.kind() == PipelineSpec.ColumnKind.CATEGORICAL);
      (text ? categorical : numeric).add(column);
    }
    for (String column : numeric) {
      data = data.withColumn(column, col(column).cast(DataTypes.DoubleType));
    }
    List<PipelineStage> stages = new ArrayList<>();
    List<String> assembled = new ArrayList<>();
    stages.add(new Imputer().setInputCols(numeric.toArray(String[]::new)).setOutputCols(numeric.stream().map(c -> c + "_i").toArray(String[]::new)));
    numeric.forEach(c -> assembled.add(c + "_i"));
    for (String column : categorical) {
      stages.add(new StringIndexer().setInputCol(column).setOutputCol(column + "_x").setHandleInvalid("keep"));
      assembled.add(column + "_x");
    }
    stages.add(new VectorAssembler().setInputCols(assembled.toArray(String[]::new)).setOutputCol("features"));
    Dataset<Row> train = data.where(col(spec.spine().eventTime()).lt(org.apache.spark.sql.functions.lit(spec.split().trainUntil())));
    Dataset<Row> test = data.where(col(spec.spine().eventTime()).geq(org.apache.spark.sql.functions.lit(spec.split().validateUntil())));
    PipelineModel prepare = new Pipeline().setStages(stages.toArray(PipelineStage[]::new)).fit(train);
    Dataset<Row> trainVectors = prepare.transform(train).select("features", "label").cache();
    long rows = trainVectors.count();

    RandomForestClassifier forest = new RandomForestClassifier().setFeaturesCol("features").setLabelCol("label");
    ModelParams.apply(forest, spec.model().params());
    long start = System.nanoTime();
    RandomForestClassificationModel model = forest.fit(trainVectors);
    double fitSeconds = (System.nanoTime() - start) / 1e9;
    double auc = new BinaryClassificationEvaluator().setLabelCol("label").evaluate(model.transform(prepare.transform(test)));
    System.out.printf("machine: %d cores, Java %s, heap %d MiB%n", Runtime.getRuntime().availableProcessors(),
        System.getProperty("java.version"), Runtime.getRuntime().maxMemory() >> 20);
    System.out.printf("bare RandomForestClassifier.fit, %s, %,d rows: %.1f s, test AUC %.4f%n", spec.model().params(), rows, fitSeconds, auc);
    spark.stop();
  }
}
