package io.treeline.jobs.data;

import io.treeline.core.json.JsonObjects;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.date_format;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.to_date;
import static org.apache.spark.sql.functions.xxhash64;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.delta.tables.DeltaTable;
import io.treeline.core.error.Errors;
import io.treeline.core.lake.LakeCatalog;
import io.treeline.core.lake.TableName;
import io.treeline.jobs.runtime.Job;
import io.treeline.jobs.runtime.JobContext;
import io.treeline.jobs.runtime.JobResult;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Loads the raw flights and airports files into the Delta tables {@code raw.flights} and {@code
 * raw.airports}. Each table is replaced in one Delta commit that records which source it came from,
 * so a rerun on the same source changes nothing and a failed run leaves the previous version.
 */
public final class LoadData implements Job<LoadData.Result> {
  public static final TableName FLIGHTS = new TableName("raw", "flights");
  public static final TableName AIRPORTS = new TableName("raw", "airports");

  private static final StructType AIRPORTS_SCHEMA =
      new StructType()
          .add("iata", DataTypes.StringType, false)
          .add("name", DataTypes.StringType)
          .add("city", DataTypes.StringType)
          .add("state", DataTypes.StringType)
          .add("country", DataTypes.StringType)
          .add("latitude", DataTypes.DoubleType)
          .add("longitude", DataTypes.DoubleType);

  /** A sampled flight is one whose id hashes below the fraction of this many buckets. */
  private static final long SAMPLE_BUCKETS = 1_000_000;

  private final Long limit;
  private final Double sample;
  private final boolean force;

  /**
   * @param limit load only the first N flights in time order, or null for all
   * @param sample load only this fraction of the flights (the same ones on every run), or null for all
   */
  public LoadData(Long limit, Double sample, boolean force) {
    if (limit != null && limit <= 0) {
      throw Errors.invalidInput("load", FLIGHTS.toString(), "--limit must be positive, got " + limit, "Pass --limit N with N ≥ 1.");
    }
    if (sample != null && !(sample > 0 && sample <= 1)) {
      throw Errors.invalidInput("load", FLIGHTS.toString(), "--sample must be a fraction above 0 and at most 1, got " + sample,
          "Pass --sample 0.1 for a tenth of the flights.");
    }
    if (limit != null && sample != null) {
      throw Errors.invalidInput("load", FLIGHTS.toString(), "--limit and --sample cannot be combined",
          "Pass one: --limit N for the earliest N flights, --sample F for a fraction of all of them.");
    }
    this.limit = limit;
    this.sample = sample;
    this.force = force;
  }

  public record TableLoad(TableName table, long rows, long version, boolean unchanged) {
    Map<String, Object> summary() {
      return JsonObjects.of("table", table.toString(), "rows", rows, "delta_version", version, "unchanged", unchanged);
    }
  }

  public record Result(TableLoad flights, TableLoad airports) implements JobResult {
    @Override
    public String summaryLine() {
      return describe(flights) + "; " + describe(airports);
    }

    private static String describe(TableLoad load) {
      return String.format("%s %s (%,d rows, Delta version %d)", load.table(),
          load.unchanged() ? "already up to date" : "loaded", load.rows(), load.version());
    }

    @Override
    public Map<String, Object> summary() {
      Map<String, Object> summary = new LinkedHashMap<>();
      summary.put("tables", List.of(flights.summary(), airports.summary()));
      return summary;
    }
  }

  @Override
  public Result run(JobContext context) {
    context.requireWritableLake();
    String flightsFile = VegaDatasets.flightsFile(context.layout());
    String airportsFile = VegaDatasets.airportsFile(context.layout());
    requireExists(context, flightsFile);
    requireExists(context, airportsFile);
    SparkSession spark = context.spark();

    context.progress().status("loading " + FLIGHTS);
    Dataset<Row> flights = flights(spark.read().parquet(flightsFile), flightsFile);
    TableLoad flightsLoad = write(context, FLIGHTS, flights, List.of("departure_date"), sourceMarker(context, flightsFile, limit, sample));

    context.progress().status("loading " + AIRPORTS);
    Dataset<Row> airports = spark.read().option("header", "true").schema(AIRPORTS_SCHEMA).option("mode", "FAILFAST").csv(airportsFile);
    TableLoad airportsLoad = write(context, AIRPORTS, airports, List.of(), sourceMarker(context, airportsFile, null, null));
    return new Result(flightsLoad, airportsLoad);
  }

  /**
   * Types and names the raw columns and gives every flight a stable id. The file has no id and holds
   * identical rows, so the id is the departure minute, the route and the occurrence of that
   * (minute, route) — numbered in a value order, hence the same on every run.
   */
  Dataset<Row> flights(Dataset<Row> raw, String file) {
    requireColumn(raw.schema(), "date", file, DataTypes.TimestampNTZType, DataTypes.TimestampType);
    requireColumn(raw.schema(), "delay", file, DataTypes.LongType, DataTypes.IntegerType);
    requireColumn(raw.schema(), "distance", file, DataTypes.LongType, DataTypes.IntegerType);
    requireColumn(raw.schema(), "origin", file, DataTypes.StringType);
    requireColumn(raw.schema(), "destination", file, DataTypes.StringType);
    Dataset<Row> typed =
        raw.select(
            col("date").cast(DataTypes.TimestampNTZType).as("departure_time"),
            col("origin"),
            col("destination"),
            col("distance").cast(DataTypes.IntegerType).as("distance"),
            col("delay").cast(DataTypes.IntegerType).as("arrival_delay"));
    if (limit != null) {
      typed = typed.orderBy("departure_time", "origin", "destination", "arrival_delay", "distance").limit(limit.intValue());
    }
    var sameMinuteAndRoute =
        Window.partitionBy("departure_time", "origin", "destination").orderBy("arrival_delay", "distance");
    Dataset<Row> identified = typed
        .withColumn("flight_id",
            concat_ws("-", date_format(col("departure_time"), "yyyyMMddHHmm"), col("origin"), col("destination"),
                row_number().over(sameMinuteAndRoute).cast(DataTypes.StringType)))
        .withColumn("departure_date", to_date(col("departure_time")))
        .select("flight_id", "departure_time", "departure_date", "origin", "destination", "distance", "arrival_delay");
    // By the id's hash rather than Dataset.sample: the same flights whatever the file's splits, cores or Spark version.
    return sample == null ? identified
        : identified.where(pmod(xxhash64(col("flight_id")), lit(SAMPLE_BUCKETS)).lt(Math.round(sample * SAMPLE_BUCKETS)));
  }

  private TableLoad write(JobContext context, TableName name, Dataset<Row> data, List<String> partitionBy, String marker) {
    String location = context.layout().table(name);
    SparkSession spark = context.spark();
    if (!force && DeltaTable.isDeltaTable(spark, location)) {
      DeltaTable existing = DeltaTable.forPath(spark, location);
      Row last = existing.history(1).select("version", "userMetadata").first();
      if (marker.equals(last.getString(1))) {
        return new TableLoad(name, existing.toDF().count(), last.getLong(0), true);
      }
    }
    var writer = data.write().format("delta").mode("overwrite").option("overwriteSchema", "true").option("userMetadata", marker);
    if (!partitionBy.isEmpty()) {
      writer = writer.partitionBy(partitionBy.toArray(String[]::new));
    }
    writer.save(location);
    new LakeCatalog(spark, context.layout()).register(name);
    DeltaTable table = DeltaTable.forPath(spark, location);
    long version = table.history(1).select("version").first().getLong(0);
    return new TableLoad(name, table.toDF().count(), version, false);
  }

  /** Identifies what a table was loaded from, so that a rerun on the same input is a no-op. */
  private static String sourceMarker(JobContext context, String file, Long limit, Double sample) {
    try {
      Path path = new Path(file);
      FileSystem fs = path.getFileSystem(context.hadoopConf());
      var status = fs.getFileStatus(path);
      Map<String, Object> marker = new LinkedHashMap<>();
      marker.put("source", path.getName());
      marker.put("package", VegaDatasets.SPEC);
      marker.put("bytes", status.getLen());
      marker.put("limit", limit);
      if (sample != null) {
        marker.put("sample", sample);
      }
      marker.put("loader", 1);
      return new ObjectMapper().writeValueAsString(marker);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    } catch (IOException e) {
      throw Errors.invalidInput("read", file, e.getMessage(), "Run `treeline data fetch` again.", e);
    }
  }

  private static void requireExists(JobContext context, String file) {
    try {
      Path path = new Path(file);
      if (!path.getFileSystem(context.hadoopConf()).exists(path)) {
        throw Errors.invalidInput("load", "the flights data", file + " does not exist",
            "Run `treeline data fetch` first (it places the files in the lake's raw area).");
      }
    } catch (IOException e) {
      throw Errors.invalidInput("read", file, e.getMessage(), "Check lake.root and the lake's permissions.", e);
    }
  }

  private static void requireColumn(StructType schema, String name, String file, DataType... accepted) {
    StructField field = List.of(schema.fields()).stream().filter(f -> f.name().equals(name)).findFirst()
        .orElseThrow(() -> Errors.invalidInput("load", file, "it has no column '" + name + "' (columns: "
            + String.join(", ", schema.fieldNames()) + ")", "Fetch the data again with `treeline data fetch`."));
    if (!List.of(accepted).contains(field.dataType())) {
      throw Errors.invalidInput("load", file, "column '" + name + "' is " + field.dataType().simpleString()
          + ", expected " + List.of(accepted).stream().map(DataType::simpleString).toList(),
          "Fetch the data again with `treeline data fetch`.");
    }
  }
}
