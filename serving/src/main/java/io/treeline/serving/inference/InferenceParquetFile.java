package io.treeline.serving.inference;

import io.delta.kernel.expressions.Column;
import io.delta.kernel.types.StructField;
import io.delta.kernel.types.StructType;
import io.delta.kernel.utils.DataFileStatus;
import java.io.IOException;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetOutputFormat;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.util.HadoopOutputFile;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.RecordConsumer;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Types;

/**
 * One Parquet data file of inference records, written from the records themselves with parquet-mr.
 * Kernel's own writer reads every value through its generic column vectors (a new writer object per
 * row's array, a String encoded to a new byte array per value, statistics of every nested leaf): most
 * of the log's cost per row. The file is what Kernel writes for {@link InferenceLogSchema#TABLE}
 * without its partition column (3-level lists, timestamps as INT64 microseconds in UTC), so Spark and
 * Kernel read it alike; {@link DeltaKernelAppender} writes this way only when Kernel's physical schema
 * of the table is exactly that.
 */
final class InferenceParquetFile {
  /** The file's columns: the table's without the partition column, whose value is in the path. */
  static final StructType PHYSICAL = physical();

  private static final String FEATURE_LEAF = "features.list.element.";
  /** Strings remembered as Parquet binaries (model, route, feature names…); past it the cache starts again (a bounded memory). */
  private static final int BINARIES_REMEMBERED = 4_096;

  private static final MessageType SCHEMA = schema();

  private final Configuration hadoop;
  private final CompressionCodecName codec;
  private final RecordWriteSupport support = new RecordWriteSupport();

  /** Compression as {@code parquet.compression} in the Hadoop configuration says, as Kernel's writer does; uncompressed when unset. */
  InferenceParquetFile(Configuration hadoop) {
    this.hadoop = hadoop;
    String configured = hadoop.get(ParquetOutputFormat.COMPRESSION);
    this.codec = configured == null ? CompressionCodecName.UNCOMPRESSED : CompressionCodecName.fromConf(configured);
  }

  /**
   * Writes {@code records} (one date's) as a new file in {@code directory} and returns it with the
   * statistics Kernel would have read from it for {@code statsColumns}.
   */
  DataFileStatus write(String directory, List<InferenceRecord> records, List<Column> statsColumns) throws IOException {
    Path path = new Path(directory, UUID.randomUUID() + ".parquet");
    FileSystem fs = path.getFileSystem(hadoop);
    path = fs.makeQualified(path);
    ParquetWriter<InferenceRecord> writer = new Builder(HadoopOutputFile.fromPath(path, hadoop), support)
        .withConf(hadoop)
        .withWriteMode(ParquetFileWriter.Mode.CREATE)
        .withCompressionCodec(codec)
        // unique per row: a dictionary would only be built to be dropped
        .withDictionaryEncoding("request_id", false)
        .withDictionaryEncoding("request", false)
        // no reader skips by a nested leaf, and Kernel collects no file statistics for them
        .withStatisticsEnabled(FEATURE_LEAF + "name", false)
        .withStatisticsEnabled(FEATURE_LEAF + "view", false)
        .withStatisticsEnabled(FEATURE_LEAF + "source", false)
        .withStatisticsEnabled(FEATURE_LEAF + "number", false)
        .withStatisticsEnabled(FEATURE_LEAF + "text", false)
        .withStatisticsEnabled(FEATURE_LEAF + "feature_time", false)
        .withSizeStatisticsEnabled(false)
        .build();
    try {
      for (InferenceRecord record : records) {
        writer.write(record);
      }
    } finally {
      writer.close();
    }
    FileStatus status = fs.getFileStatus(path);
    return new DataFileStatus(path.toString(), status.getLen(), status.getModificationTime(),
        Optional.of(FileStatistics.of(writer.getFooter(), PHYSICAL, statsColumns)));
  }

  private static StructType physical() {
    StructType physical = new StructType();
    for (StructField field : InferenceLogSchema.TABLE.fields()) {
      if (!InferenceLogSchema.PARTITION_COLUMNS.contains(field.getName())) {
        physical = physical.add(field);
      }
    }
    return physical;
  }

  private static MessageType schema() {
    return Types.buildMessage()
        .addField(string("request_id"))
        .addField(Types.optional(PrimitiveTypeName.INT32).named("record_index"))
        .addField(timestamp("logged_at"))
        .addField(string("origin"))
        .addField(string("route"))
        .addField(string("served_name"))
        .addField(string("model_name"))
        .addField(Types.optional(PrimitiveTypeName.INT64).named("model_version"))
        .addField(string("run_id"))
        .addField(string("request"))
        .addField(Types.optionalGroup().as(LogicalTypeAnnotation.listType())
            .addField(Types.repeatedGroup()
                .addField(Types.optionalGroup()
                    .addField(string("name"))
                    .addField(string("view"))
                    .addField(string("source"))
                    .addField(Types.optional(PrimitiveTypeName.DOUBLE).named("number"))
                    .addField(string("text"))
                    .addField(timestamp("feature_time"))
                    .named("element"))
                .named("list"))
            .named("features"))
        .addField(Types.optional(PrimitiveTypeName.DOUBLE).named("prediction"))
        .addField(Types.optional(PrimitiveTypeName.DOUBLE).named("probability"))
        .addField(Types.optional(PrimitiveTypeName.DOUBLE).named("latency_ms"))
        .addField(string("server"))
        .named("DefaultKernelSchema");
  }

  private static org.apache.parquet.schema.Type string(String name) {
    return Types.optional(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named(name);
  }

  private static org.apache.parquet.schema.Type timestamp(String name) {
    return Types.optional(PrimitiveTypeName.INT64).as(LogicalTypeAnnotation.timestampType(true, LogicalTypeAnnotation.TimeUnit.MICROS))
        .named(name);
  }

  private static final class Builder extends ParquetWriter.Builder<InferenceRecord, Builder> {
    private final RecordWriteSupport support;

    Builder(org.apache.parquet.io.OutputFile file, RecordWriteSupport support) {
      super(file);
      this.support = support;
    }

    @Override
    protected Builder self() {
      return this;
    }

    @Override
    protected WriteSupport<InferenceRecord> getWriteSupport(Configuration conf) {
      return support;
    }
  }

  /** Hands each record's values to Parquet in the schema's order; a null is a field not written. */
  private static final class RecordWriteSupport extends WriteSupport<InferenceRecord> {
    private final RequestJson json = new RequestJson();
    private final Map<String, Binary> binaries = new HashMap<>();
    private RecordConsumer out;

    @Override
    public String getName() {
      return "treeline-inference-log";
    }

    @Override
    public WriteContext init(Configuration configuration) {
      return new WriteContext(SCHEMA, Map.of());
    }

    @Override
    public void prepareForWrite(RecordConsumer recordConsumer) {
      this.out = recordConsumer;
    }

    @Override
    public void write(InferenceRecord r) {
      out.startMessage();
      if (r.requestId() != null) {
        binary(0, "request_id", Binary.fromString(r.requestId()));
      }
      out.startField("record_index", 1);
      out.addInteger(r.recordIndex());
      out.endField("record_index", 1);
      int64(2, "logged_at", r.loggedAtMicros());
      string(3, "origin", r.origin());
      string(4, "route", r.route());
      string(5, "served_name", r.servedName());
      string(6, "model_name", r.modelName());
      int64(7, "model_version", r.modelVersion());
      string(8, "run_id", r.runId());
      Binary request = json.render(r.request());
      if (request != null) {
        binary(9, "request", request);
      }
      features(r.features());
      float64(11, "prediction", r.prediction());
      if (r.probability() != null) {
        float64(12, "probability", r.probability());
      }
      if (r.latencyMs() != null) {
        float64(13, "latency_ms", r.latencyMs());
      }
      string(14, "server", r.server());
      out.endMessage();
    }

    private void features(List<InferenceRecord.Feature> features) {
      out.startField("features", 10);
      out.startGroup();
      if (!features.isEmpty()) {
        out.startField("list", 0);
        for (InferenceRecord.Feature f : features) {
          out.startGroup();
          out.startField("element", 0);
          out.startGroup();
          string(0, "name", f.name());
          string(1, "view", f.view());
          string(2, "source", f.source());
          if (f.number() != null) {
            float64(3, "number", f.number());
          }
          string(4, "text", f.text());
          if (f.featureTime() != null) {
            int64(5, "feature_time", micros(f.featureTime()));
          }
          out.endGroup();
          out.endField("element", 0);
          out.endGroup();
        }
        out.endField("list", 0);
      }
      out.endGroup();
      out.endField("features", 10);
    }

    /** A string most rows repeat: encoded once, not once per value. */
    private void string(int index, String name, String value) {
      if (value == null) {
        return;
      }
      Binary bytes = binaries.get(value);
      if (bytes == null) {
        if (binaries.size() >= BINARIES_REMEMBERED) {
          binaries.clear();
        }
        bytes = Binary.fromString(value);
        binaries.put(value, bytes);
      }
      binary(index, name, bytes);
    }

    private void binary(int index, String name, Binary value) {
      out.startField(name, index);
      out.addBinary(value);
      out.endField(name, index);
    }

    private void int64(int index, String name, long value) {
      out.startField(name, index);
      out.addLong(value);
      out.endField(name, index);
    }

    private void float64(int index, String name, double value) {
      out.startField(name, index);
      out.addDouble(value);
      out.endField(name, index);
    }

    private static long micros(Instant instant) {
      return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000L), instant.getNano() / 1_000L);
    }
  }
}
