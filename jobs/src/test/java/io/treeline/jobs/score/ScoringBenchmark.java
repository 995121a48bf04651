package io.treeline.jobs.score;

import io.treeline.core.config.TreelineConfig;
import io.treeline.jobs.runtime.JobContext;
import io.treeline.jobs.runtime.Progress;
import io.treeline.registry.ModelRef;
import io.treeline.registry.ModelVersion;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;

/**
 * Batch scoring on a whole lake, phase by phase: the point-in-time feature join (rows cached and
 * counted), the compiled scoring over the cached rows and Spark's {@code PipelineModel.transform}
 * over the same rows (both with the prediction and probability written to Spark's no-op sink), then
 * the compiled scoring written to a Delta table. Each scoring is run twice and the second timed,
 * so neither pays for the JIT's warm-up alone.
 *
 * <p>Usage: ScoringBenchmark LAKE FEATURES_DIR MODEL_REF
 */
public final class ScoringBenchmark {
  public static void main(String[] args) {
    TreelineConfig config = TreelineConfig.defaults().with(Map.of("lake.root", args[0], "features.dir", args[1]));
    try (JobContext context = new JobContext(config, System.out, Progress.silent())) {
      SparkSession spark = context.spark();
      long start = System.nanoTime();
      ModelVersion version = context.registry().resolve(ModelRef.parse(args[2]));
      ScoringModel model = ScoringModel.load(spark, context.registry(), context.layout(), version);
      System.out.printf("machine: %d cores; model %s, %d inputs; load %.1f s%n", Runtime.getRuntime().availableProcessors(), version,
          model.compiled().inputs().size(), seconds(start));

      start = System.nanoTime();
      ScoringInput input = new ScoringInput("raw.flights", null, "departure_time", null);
      ScoreBatch.Prepared prepared = ScoreBatch.prepare(spark, context, model.manifest(), model.compiled(), input);
      // The columns the job carries through scoring by default: the input's own and each model input typed.
      java.util.List<String> carried = new java.util.ArrayList<>(prepared.inputColumns());
      model.compiled().inputs().keySet().forEach(name -> carried.add(CompiledScoring.typedName(name)));
      Dataset<Row> rows = prepared.rows().selectExpr(carried.stream().map(c -> "`" + c + "`").toArray(String[]::new))
          .persist(StorageLevel.MEMORY_AND_DISK());
      long count = rows.count();
      System.out.printf("feature join (6 views, point in time, cached): %,d rows in %.1f s%n", count, seconds(start));

      Dataset<Row> compiled = ScoreBatch.score(spark, rows, model.pipeline(), model.compiled()).select(ScoreBatch.PREDICTION, ScoreBatch.PROBABILITY);
      Dataset<Row> typed = rows;
      for (String name : model.compiled().inputs().keySet()) {
        typed = typed.withColumn(name, typed.col("`" + CompiledScoring.typedName(name) + "`"));
      }
      Dataset<Row> transformed = model.pipeline().transform(typed).select("prediction", "probability");
      double compiledSeconds = 0;
      double transformSeconds = 0;
      Dataset<Row> scan = rows.selectExpr(model.compiled().inputs().keySet().stream()
          .map(name -> "`" + CompiledScoring.typedName(name) + "`").toArray(String[]::new));
      for (int round = 1; round <= 2; round++) {
        start = System.nanoTime();
        scan.write().format("noop").mode("overwrite").save();
        double scanSeconds = seconds(start);
        System.out.printf("round %d: reading the cached inputs alone %.1f s (%.2f µs/row); the figures below include it%n", round, scanSeconds,
            scanSeconds * 1e6 / count);
        start = System.nanoTime();
        compiled.write().format("noop").mode("overwrite").save();
        compiledSeconds = seconds(start);
        start = System.nanoTime();
        transformed.write().format("noop").mode("overwrite").save();
        transformSeconds = seconds(start);
        System.out.printf("round %d: compiled mapPartitions %.1f s (%.2f µs/row), PipelineModel.transform %.1f s (%.2f µs/row): %.1f×%n", round,
            compiledSeconds, compiledSeconds * 1e6 / count, transformSeconds, transformSeconds * 1e6 / count, transformSeconds / compiledSeconds);
      }

      start = System.nanoTime();
      ScoreBatch.score(spark, rows, model.pipeline(), model.compiled()).write().format("delta").mode("overwrite")
          .save(context.layout().root() + "/tables/scores/benchmark_phases");
      double scoreAndWrite = seconds(start);
      System.out.printf("compiled scoring + Delta write of all columns: %.1f s (write ≈ %.1f s)%n", scoreAndWrite, scoreAndWrite - compiledSeconds);
      rows.unpersist();
    }
  }

  private static double seconds(long since) {
    return (System.nanoTime() - since) / 1e9;
  }
}
