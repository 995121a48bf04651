package io.treeline.serving.inference;

import io.delta.kernel.types.ArrayType;
import io.delta.kernel.types.DateType;
import io.delta.kernel.types.DoubleType;
import io.delta.kernel.types.IntegerType;
import io.delta.kernel.types.LongType;
import io.delta.kernel.types.StringType;
import io.delta.kernel.types.StructType;
import io.delta.kernel.types.TimestampType;
import java.util.List;

/**
 * The columns of {@code monitoring.inference_log}, in their order: a contract the batch scorer
 * ({@code treeline score}, which appends with Spark) and the monitoring job read and write too, so a
 * change here is a change to docs/serving.md#inference-log and to them. Every column is nullable, as
 * a Spark write makes them.
 */
public final class InferenceLogSchema {
  /**
   * The log retention a new inference log table gets, whoever makes it (the server or batch scoring):
   * at a commit a second, Delta's default of 30 days would keep five million files in {@code _delta_log},
   * which every checkpoint lists. Seven days is the least Delta accepts (not below the table's
   * deleted-file retention, past which Spark refuses time travel anyway); the rows themselves are kept.
   */
  public static final String LOG_RETENTION_PROPERTY = "delta.logRetentionDuration";
  public static final String LOG_RETENTION = "interval 7 days";
  public static final StructType FEATURE = new StructType()
      .add("name", StringType.STRING)
      .add("view", StringType.STRING)
      .add("source", StringType.STRING)
      .add("number", DoubleType.DOUBLE)
      .add("text", StringType.STRING)
      .add("feature_time", TimestampType.TIMESTAMP);

  public static final StructType TABLE = new StructType()
      .add("request_id", StringType.STRING)
      .add("record_index", IntegerType.INTEGER)
      .add("logged_at", TimestampType.TIMESTAMP)
      .add("date", DateType.DATE)
      .add("origin", StringType.STRING)
      .add("route", StringType.STRING)
      .add("served_name", StringType.STRING)
      .add("model_name", StringType.STRING)
      .add("model_version", LongType.LONG)
      .add("run_id", StringType.STRING)
      .add("request", StringType.STRING)
      .add("features", new ArrayType(FEATURE, true))
      .add("prediction", DoubleType.DOUBLE)
      .add("probability", DoubleType.DOUBLE)
      .add("latency_ms", DoubleType.DOUBLE)
      .add("server", StringType.STRING)
      .add("arm", StringType.STRING);

  public static final String PARTITION_COLUMN = "date";
  public static final List<String> PARTITION_COLUMNS = List.of(PARTITION_COLUMN);

  /** The same columns as Spark SQL DDL, for the batch scorer and for the tests that read the table with Spark. */
  public static final String DDL = "request_id STRING, record_index INT, logged_at TIMESTAMP, date DATE, origin STRING, route STRING,"
      + " served_name STRING, model_name STRING, model_version BIGINT, run_id STRING, request STRING,"
      + " features ARRAY<STRUCT<name: STRING, view: STRING, source: STRING, number: DOUBLE, text: STRING, feature_time: TIMESTAMP>>,"
      + " prediction DOUBLE, probability DOUBLE, latency_ms DOUBLE, server STRING, arm STRING";

  /**
   * Columns added after the first release, last in the table: a table made before them is still
   * appended to (its readers see the new columns once they are added to it, as the files carry them).
   */
  public static final List<String> ADDED_COLUMNS = List.of("arm");

  private InferenceLogSchema() {}
}
