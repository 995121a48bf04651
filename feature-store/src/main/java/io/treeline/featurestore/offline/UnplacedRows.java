package io.treeline.featurestore.offline;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.CollectionAccumulator;
import org.apache.spark.util.LongAccumulator;

/**
 * Source rows of a view that cannot be placed in time — no event time, or one that does not parse —
 * and so are left out of its timeline. Counted on the executors as the timeline is built, with one
 * example per task, so a run can report them without reading its source twice.
 */
public final class UnplacedRows implements Serializable {
  private final List<String> keys;
  private final LongAccumulator count;
  private final CollectionAccumulator<String> examples;
  private transient boolean exampleTaken;

  private UnplacedRows(List<String> keys, LongAccumulator count, CollectionAccumulator<String> examples) {
    this.keys = keys;
    this.count = count;
    this.examples = examples;
  }

  public static UnplacedRows register(SparkSession spark, String view, List<String> entityKeys) {
    return new UnplacedRows(List.copyOf(entityKeys), spark.sparkContext().longAccumulator("unplaced rows of " + view),
        spark.sparkContext().collectionAccumulator("unplaced examples of " + view));
  }

  /** A prepared row (keys, event time, availability time, values) that has no time. */
  void record(Row row) {
    count.add(1);
    if (!exampleTaken) {
      exampleTaken = true;
      examples.add(describe(keys, row));
    }
  }

  /** {@code origin=SFO, event time null}: the row's keys, which is what a user can look for in the source. */
  static String describe(List<String> keys, Row row) {
    List<String> parts = new ArrayList<>();
    for (int i = 0; i < keys.size(); i++) {
      parts.add(keys.get(i) + "=" + row.get(i));
    }
    parts.add("event time " + row.get(keys.size()));
    return String.join(", ", parts);
  }

  public long count() {
    return count.value();
  }

  public Optional<String> example() {
    return examples.value().stream().findFirst();
  }
}
