package io.treeline.pipelines.benchmark;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import io.delta.tables.DeltaTable;
import io.treeline.core.lake.LakeLayout;
import io.treeline.core.lake.TableName;
import io.treeline.featurestore.pit.TrainingSetBuilder;
import io.treeline.pipelines.spec.PipelineSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.feature.Imputer;
import org.apache.spark.ml.feature.StringIndexer;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StringType;

/**
 * The training set `treeline train` last wrote for a pipeline, prepared by hand as the pipeline
 * prepares it (mean imputation, string indexing by frequency, one assembled vector) and split by
 * time: the forest benchmarks' inputs, assembled once and cached.
 */
record PreparedInputs(Dataset<Row> train, Dataset<Row> test, int numeric, int categorical) {
  static PreparedInputs of(SparkSession spark, String lake, PipelineSpec spec) {
    String location = LakeLayout.at(lake).table(new TableName("training", spec.name().replace('-', '_')));
    Dataset<Row> data = spark.read().format("delta").load(location);
    Row detail = DeltaTable.forPath(spark, location).detail().first();
    Map<String, String> properties = detail.getJavaMap(detail.fieldIndex("properties"));
    List<String> featureColumns = List.of(properties.get(TrainingSetBuilder.FEATURES_PROPERTY).split(","));
    List<String> numeric = new ArrayList<>();
    List<String> categorical = new ArrayList<>();
    for (String column : data.columns()) {
      boolean request = spec.requestFeatures().stream().anyMatch(r -> r.name().equals(column));
      if (!request && !featureColumns.contains(column)) {
        continue;
      }
      boolean text = data.schema().apply(column).dataType() instanceof StringType
          || spec.requestFeatures().stream().anyMatch(r -> r.name().equals(column) && r.kind() == PipelineSpec.ColumnKind.CATEGORICAL);
      (text ? categorical : numeric).add(column);
    }
    for (String column : numeric) {
      data = data.withColumn(column, col(column).cast(DataTypes.DoubleType));
    }
    for (String column : categorical) {
      data = data.withColumn(column, col(column).cast(DataTypes.StringType));
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
    Dataset<Row> train = data.where(col(spec.spine().eventTime()).lt(lit(spec.split().trainUntil())));
    Dataset<Row> test = data.where(col(spec.spine().eventTime()).geq(lit(spec.split().validateUntil())));
    PipelineModel prepare = new Pipeline().setStages(stages.toArray(PipelineStage[]::new)).fit(train);
    return new PreparedInputs(prepare.transform(train).select("features", "label").cache(),
        prepare.transform(test).select("features", "label").cache(), numeric.size(), categorical.size());
  }
}
