package io.treeline.jobs.monitor;

import static org.apache.spark.sql.functions.col;

import io.delta.tables.DeltaTable;
import io.treeline.core.error.Errors;
import io.treeline.core.lake.LakeLayout;
import io.treeline.core.lake.TableName;
import io.treeline.jobs.score.ScoreBatch;
import io.treeline.jobs.score.ScoringModel;
import io.treeline.modelpackage.ModelManifest;
import io.treeline.serving.compile.CompiledPipeline;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;

/**
 * The distributions a version is compared with: its training set read at the Delta version it was
 * trained on, every model input as a column and the version's own prediction of each row as
 * {@value ServedValues#PREDICTION}, computed with the same compiled pipeline that batch scoring runs.
 *
 * <p>The whole training set is the reference, not only its train split: {@code treeline.json} records
 * the training set's table and Delta version but not the split (docs/monitoring.md says so). A
 * fixed-seed sample of at most {@code monitoring.drift.reference-rows} rows keeps the cost flat.
 */
final class TrainingReference {
  private TrainingReference() {}

  static Dataset<Row> load(SparkSession spark, LakeLayout layout, ScoringModel model, int maxRows) {
    ModelManifest manifest = model.manifest();
    TableName table = TableName.parse(manifest.trainingSet().table());
    String location = layout.table(table);
    if (!DeltaTable.isDeltaTable(spark, location)) {
      throw Errors.invalidInput("monitor", model.version().toString(), "its training set " + table + " is not in the lake at " + location,
          "Monitor in the lake the model was trained in (lake.root), or rebuild the training set with `treeline features training-set`.");
    }
    Dataset<Row> rows;
    try {
      rows = spark.read().format("delta").option("versionAsOf", manifest.trainingSet().deltaVersion()).load(location);
    } catch (RuntimeException e) {
      throw Errors.invalidInput("monitor", model.version().toString(), "version " + manifest.trainingSet().deltaVersion() + " of its training set "
          + table + " cannot be read (" + firstLine(e) + ")", "The table's history was vacuumed; retrain the model to get a reference again.", e);
    }
    long count = rows.count();
    if (count > maxRows) {
      rows = rows.sample(false, Math.min(1.0, maxRows * 1.05 / count), 42).limit(maxRows);
    }
    CompiledPipeline compiled = model.compiled();
    for (CompiledPipeline.Input input : compiled.inputs().values()) {
      rows = rows.withColumn(ScoreBatch.typedColumn(input.name()), col("`" + input.name() + "`")
          .cast(input.numeric() ? DataTypes.DoubleType : DataTypes.StringType));
    }
    Dataset<Row> scored = ScoreBatch.score(spark, rows, model.pipeline(), compiled);
    List<Column> columns = new ArrayList<>();
    compiled.inputs().values().forEach(input -> columns.add(col(ScoreBatch.typedColumn(input.name())).as(input.name())));
    columns.add(col(compiled.classifier() ? ScoreBatch.PROBABILITY : ScoreBatch.PREDICTION).as(ServedValues.PREDICTION));
    return scored.select(columns.toArray(Column[]::new));
  }

  private static String firstLine(RuntimeException e) {
    String message = e.getMessage() == null ? e.toString() : e.getMessage();
    return message.lines().findFirst().orElse(message);
  }
}
