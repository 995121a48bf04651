package io.treeline.featurestore.stream;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.from_json;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Reads streamed events — one JSON object each — as rows of the view's source table, and says why
 * an event cannot be one: not a JSON object, a required field missing, a field of the wrong type.
 * Fields are read as text first and then cast the way Spark casts, so a mistyped field is caught
 * by name instead of silently becoming null.
 */
public final class StreamEvents {
  /** Columns every raw batch carries, whatever the source (null where a source has no such thing). */
  public static final String PAYLOAD = "payload";
  public static final String TOPIC = "topic";
  public static final String PARTITION = "partition";
  public static final String OFFSET = "offset";
  public static final String FILE = "file";
  public static final String PRODUCED_AT = "produced_at";
  /** Null for a good event; otherwise why it is not one. */
  public static final String REASON = "__reason";

  static final List<String> COORDINATES = List.of(TOPIC, PARTITION, OFFSET, FILE, PRODUCED_AT);

  private StreamEvents() {}

  /**
   * The raw batch with every column of {@code schema} typed, plus {@link #REASON}, the payload and
   * the coordinates.
   *
   * @param required fields an event must have (entity keys, the columns of the event time)
   */
  public static Dataset<Row> parse(Dataset<Row> raw, StructType schema, Set<String> required) {
    Column fields = from_json(col(PAYLOAD), DataTypes.createMapType(DataTypes.StringType, DataTypes.StringType), Map.of("mode", "PERMISSIVE"));
    Dataset<Row> read = raw.withColumn("__fields", fields);
    List<Column> problems = new ArrayList<>();
    List<Column> columns = new ArrayList<>();
    for (StructField field : schema.fields()) {
      Column text = col("__fields").getItem(field.name());
      Column typed = field.dataType().equals(DataTypes.StringType) ? text : text.try_cast(field.dataType());
      columns.add(typed.as(field.name()));
      if (required.contains(field.name())) {
        problems.add(when(text.isNull(), lit("missing " + field.name())));
      }
      if (!field.dataType().equals(DataTypes.StringType)) {
        problems.add(when(text.isNotNull().and(typed.isNull()),
            concat(lit(field.name() + ": "), text, lit(" is not a " + field.dataType().simpleString()))));
      }
    }
    // concat_ws skips the nulls (no problem) and compiles to code, unlike array_join(array_compact(array(…))).
    Column reasons = concat_ws("; ", problems.toArray(Column[]::new));
    Column reason = when(col("__fields").isNull(), lit("not a JSON object")).otherwise(when(reasons.notEqual(""), reasons));
    columns.add(reason.as(REASON));
    columns.add(col(PAYLOAD));
    COORDINATES.forEach(c -> columns.add(col(c)));
    return read.select(columns.toArray(Column[]::new));
  }

  /** The dead-letter rows of a parsed batch's refused events. */
  public static Dataset<Row> refused(Dataset<Row> parsed, String view, long batchId) {
    List<Column> columns = new ArrayList<>();
    columns.add(lit(view).as("view"));
    columns.add(lit(batchId).as("batch_id"));
    columns.add(col(REASON).as("reason"));
    columns.add(col(PAYLOAD));
    COORDINATES.forEach(c -> columns.add(col(c)));
    return parsed.where(col(REASON).isNotNull()).select(columns.toArray(Column[]::new));
  }
}
