package io.treeline.featurestore.benchmark;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.monotonically_increasing_id;
import static org.apache.spark.sql.functions.row_number;

import io.treeline.core.config.TreelineConfig;
import io.treeline.core.lake.LakeLayout;
import io.treeline.core.lake.TableName;
import io.treeline.core.spark.SparkSessions;
import io.treeline.featurestore.offline.Materializer;
import io.treeline.featurestore.offline.OfflineTable;
import io.treeline.featurestore.pit.PointInTimeJoin;
import io.treeline.featurestore.spec.FeatureRepository;
import io.treeline.featurestore.spec.FeatureSpec;
import io.treeline.featurestore.spec.FeatureView;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;

/**
 * Times the feature store on the full flights data of a lake where `treeline data load` has run:
 * materializing every view, and training sets of 300,000 to 3,000,000 flights built with
 * Treeline's sort-based as-of join beside the naive inequality join + ROW_NUMBER (Feast's
 * approach), the latter with a time limit. Prints figures; asserts nothing.
 *
 * <p>Run with bin/benchmark-features LAKE.
 */
public final class PointInTimeBenchmark {
  public static void main(String[] args) throws Exception {
    String lake = args.length > 0 ? args[0] : "lake";
    Path features = Path.of(args.length > 1 ? args[1] : "conf/features");
    long naiveLimitSeconds = args.length > 2 ? Long.parseLong(args[2]) : 600;
    TreelineConfig config = TreelineConfig.defaults().with(Map.of("lake.root", lake));
    SparkSession spark = SparkSessions.create(config, "treeline-benchmark");
    LakeLayout layout = LakeLayout.at(lake);
    FeatureRepository repository = FeatureRepository.load(features);
    System.out.printf("machine: %d cores, Java %s, heap %d MiB, spark.sql.shuffle.partitions %s%n",
        Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
        Runtime.getRuntime().maxMemory() >> 20, spark.conf().get("spark.sql.shuffle.partitions"));

    Materializer materializer = new Materializer(spark, layout);
    long totalRows = 0;
    long start = System.nanoTime();
    for (FeatureView view : repository.views()) {
      long viewStart = System.nanoTime();
      Materializer.Result result = materializer.materialize(view, Optional.empty(), Optional.empty());
      totalRows += result.rowsWritten();
      System.out.printf("materialize %-22s %,12d rows %8.1f s%n", view.name(), result.rowsWritten(), seconds(viewStart));
    }
    double materializeSeconds = seconds(start);
    System.out.printf("materialize all views: %,d rows in %.1f s (%,.0f rows/s)%n", totalRows, materializeSeconds, totalRows / materializeSeconds);

    Dataset<Row> flights = spark.read().format("delta").load(layout.table(TableName.parse("raw.flights")));
    List<FeatureView> timed = repository.views().stream().filter(FeatureView::timed).toList();
    for (long n : new long[] {300_000, 1_000_000, 3_000_000}) {
      Dataset<Row> spine = spine(flights, n);
      long joinStart = System.nanoTime();
      Dataset<Row> joined = spine;
      for (FeatureView view : repository.views()) {
        joined = PointInTimeJoin.join(joined, "departure_time", view, offline(spark, layout, view), names(view));
      }
      joined.write().format("noop").mode("overwrite").save();
      double s = seconds(joinStart);
      System.out.printf("training set, sort-based as-of, all %d views: %,9d flights %8.1f s (%,.0f rows/s)%n",
          repository.views().size(), n, s, n / s);
    }

    FeatureView view = repository.get("origin_delays");
    ExecutorService timer = Executors.newSingleThreadExecutor();
    for (long n : new long[] {30_000, 100_000, 300_000}) {
      Dataset<Row> spine = spine(flights, n);
      long sortStart = System.nanoTime();
      PointInTimeJoin.join(spine, "departure_time", view, offline(spark, layout, view), names(view)).write().format("noop").mode("overwrite").save();
      double sortSeconds = seconds(sortStart);
      long naiveStart = System.nanoTime();
      Future<?> naive = timer.submit(() -> naive(spine, view, offline(spark, layout, view)).write().format("noop").mode("overwrite").save());
      String naiveResult;
      try {
        naive.get(naiveLimitSeconds, TimeUnit.SECONDS);
        naiveResult = String.format("%8.1f s", seconds(naiveStart));
      } catch (TimeoutException e) {
        spark.sparkContext().cancelAllJobs();
        naive.cancel(true);
        naiveResult = "did not finish in " + naiveLimitSeconds + " s";
      }
      System.out.printf("one view (origin_delays), %,9d flights: sort-based %8.1f s, inequality join + ROW_NUMBER %s%n", n, sortSeconds, naiveResult);
    }
    timer.shutdownNow();
    spark.stop();
  }

  private static Dataset<Row> spine(Dataset<Row> flights, long n) {
    return flights.orderBy("departure_time", "flight_id").limit((int) n)
        .select("flight_id", "origin", "destination", "departure_time").cache();
  }

  private static Dataset<Row> offline(SparkSession spark, LakeLayout layout, FeatureView view) {
    return spark.read().format("delta").load(layout.table(view.offlineTable()));
  }

  private static List<String> names(FeatureView view) {
    return view.features().stream().map(FeatureSpec::name).toList();
  }

  /** The usual point-in-time join: every timeline row within the ttl before the event, then the newest. */
  static Dataset<Row> naive(Dataset<Row> spine, FeatureView view, Dataset<Row> offline) {
    Dataset<Row> s = spine.withColumn("__row", monotonically_increasing_id());
    List<String> features = names(view);
    Column on = col("s.departure_time").gt(col("f." + OfflineTable.FEATURE_TIME))
        .and(col("f." + OfflineTable.FEATURE_TIME).geq(col("s.departure_time").minus(expr("INTERVAL " + view.ttl().orElseThrow().duration().toSeconds() + " SECONDS"))));
    for (String key : view.entities()) {
      on = on.and(col("s." + key).equalTo(col("f." + key)));
    }
    List<Column> select = new ArrayList<>();
    select.add(col("s.__row"));
    select.add(col("f." + OfflineTable.FEATURE_TIME).as("__t"));
    features.forEach(f -> select.add(col("f." + f).as(PointInTimeJoin.columnName(view.name(), f))));
    Dataset<Row> candidates = s.as("s").join(offline.as("f"), on, "inner").select(select.toArray(Column[]::new));
    Dataset<Row> newest = candidates.withColumn("__rn", row_number().over(Window.partitionBy("__row").orderBy(col("__t").desc())))
        .where("__rn = 1").drop("__rn", "__t");
    return s.join(newest, scala.jdk.javaapi.CollectionConverters.asScala(List.of("__row")).toSeq(), "left_outer");
  }

  private static double seconds(long start) {
    return (System.nanoTime() - start) / 1e9;
  }
}
