package io.treeline.featurestore.stream;

import static io.treeline.featurestore.FeatureStoreTestSupport.views;
import static org.assertj.core.api.Assertions.assertThat;

import io.treeline.core.lake.TableName;
import io.treeline.core.testing.TempLake;
import io.treeline.core.testing.TestSpark;
import io.treeline.featurestore.offline.Materializer;
import io.treeline.featurestore.oracle.AdversarialSource;
import io.treeline.featurestore.spec.FeatureView;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/**
 * The oracle's adversarial events (FeatureOracleTest checks the batch engine against a naive scan) sent
 * through the stream: the same timelines, bit for bit, as features materialize on the events the stream
 * accepts (an event without an entity key or event time is a dead letter there).
 */
class StreamOracleTest {
  private static final java.time.format.DateTimeFormatter TIME = java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS");

  @Test
  void a_stream_over_the_oracle_events_gives_the_batch_timelines() throws Exception {
    SparkSession spark = TestSpark.session();
    List<Row> events = AdversarialSource.rows(new Random(7), 200);
    try (TempLake batch = new TempLake(); TempLake streamed = new TempLake()) {
      List<FeatureView> views = views(batch, AdversarialSource.VIEWS).stream().filter(FeatureView::timed).toList();
      String table = streamed.layout().table(TableName.parse("src.edges"));
      spark.createDataFrame(List.of(), AdversarialSource.EDGES).write().format("delta").save(table);
      List<Row> inOrder = events.stream().filter(e -> !e.isNullAt(2))
          .sorted(Comparator.comparing(e -> (LocalDateTime) e.get(2))).toList();
      List<List<String>> files = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        files.add(new ArrayList<>());
      }
      for (int i = 0; i < inOrder.size(); i++) {
        files.get(i * 2 / inOrder.size()).add(json(inOrder.get(i)));
      }
      Path dir = streamed.root().resolve("incoming");
      ViewStreamTest.writeFiles(dir, files);

      ViewStreamTest.run(streamed, views, dir);

      for (FeatureView view : views) {
        // The batch side gets exactly the events the stream accepts: every entity key and the event time present.
        List<Row> accepted = events.stream()
            .filter(e -> !e.isNullAt(2) && view.entities().stream().allMatch(k -> e.getAs(k) != null)).toList();
        spark.createDataFrame(accepted, AdversarialSource.EDGES).write().format("delta").mode("overwrite")
            .save(batch.layout().table(TableName.parse("src.edges")));
        new Materializer(spark, batch.layout()).materialize(view, Optional.empty(), Optional.empty());
        assertThat(sorted(spark, streamed, view)).as(view.name()).containsExactlyElementsOf(sorted(spark, batch, view));
      }
    }
  }

  /** Every value as a JSON string, as the stream types each field from text (NaN included). */
  private static String json(Row event) {
    List<String> fields = new ArrayList<>();
    for (int i = 0; i < event.size(); i++) {
      Object value = event.get(i);
      String name = event.schema().fieldNames()[i];
      String text = value instanceof LocalDateTime time ? TIME.format(time) : String.valueOf(value);
      fields.add("\"" + name + "\":" + (value == null ? "null" : "\"" + text + "\""));
    }
    return "{" + String.join(",", fields) + "}";
  }

  private static List<Row> sorted(SparkSession spark, TempLake lake, FeatureView view) {
    List<String> order = new ArrayList<>(view.entities());
    order.add("feature_time");
    return spark.read().format("delta").load(lake.layout().table(view.offlineTable()))
        .orderBy(order.stream().map(org.apache.spark.sql.functions::col).toArray(org.apache.spark.sql.Column[]::new))
        .collectAsList();
  }
}
