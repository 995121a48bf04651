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
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.ColumnWriteStore;
import org.apache.parquet.column.ColumnWriter;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.column.values.factory.DefaultV1ValuesWriterFactory;
import org.apache.parquet.hadoop.CodecFactory;
import org.apache.parquet.hadoop.ColumnChunkPageWriteStore;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetOutputFormat;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.util.HadoopOutputFile;
import org.apache.parquet.io.api.Binary;
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
  /** Kernel's writer's row group (parquet-mr's default); a batch of the log is a few MiB. */
  private static final long ROW_GROUP_BYTES = ParquetWriter.DEFAULT_BLOCK_SIZE;
  private static final ParquetProperties PROPERTIES = ParquetProperties.builder()
      // its own: the default factory delegates to one static instance that every ParquetProperties built in
      // the JVM (Kernel's checkpoints, Spark's writers) initializes again with its settings, ours then lost
      .withValuesWriterFactory(new DefaultV1ValuesWriterFactory())
      // unique per row: a dictionary would only be built to be dropped
      .withDictionaryEncoding("request_id", false)
      .withDictionaryEncoding("request", false)
      .withDictionaryEncoding("logged_at", false)
      .withDictionaryEncoding("latency_ms", false)
      // no reader skips by a nested leaf, and Kernel collects no file statistics for them
      .withStatisticsEnabled(FEATURE_LEAF + "name", false)
      .withStatisticsEnabled(FEATURE_LEAF + "view", false)
      .withStatisticsEnabled(FEATURE_LEAF + "source", false)
      .withStatisticsEnabled(FEATURE_LEAF + "number", false)
      .withStatisticsEnabled(FEATURE_LEAF + "text", false)
      .withStatisticsEnabled(FEATURE_LEAF + "feature_time", false)
      .withSizeStatisticsEnabled(false)
      .build();

  private final Configuration hadoop;
  private final CompressionCodecName codec;
  private final RowWriter rows = new RowWriter();

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
    ParquetFileWriter file = new ParquetFileWriter(HadoopOutputFile.fromPath(path, hadoop), SCHEMA, ParquetFileWriter.Mode.CREATE,
        ROW_GROUP_BYTES, ParquetWriter.MAX_PADDING_SIZE_DEFAULT, null, PROPERTIES);
    CodecFactory codecs = new CodecFactory(hadoop, PROPERTIES.getPageSizeThreshold());
    try {
      file.start();
      ColumnChunkPageWriteStore pages = null;
      ColumnWriteStore columns = null;
      long rowsInGroup = 0;
      for (InferenceRecord record : records) {
        if (columns == null) {
          pages = new ColumnChunkPageWriteStore(codecs.getCompressor(codec), SCHEMA, PROPERTIES.getAllocator(),
              PROPERTIES.getColumnIndexTruncateLength(), PROPERTIES.getPageWriteChecksumEnabled());
          columns = PROPERTIES.newColumnWriteStore(SCHEMA, pages, pages);
          rows.start(columns);
        }
        rows.write(record);
        columns.endRecord();
        if (++rowsInGroup % 1_000 == 0 && columns.getBufferedSize() >= ROW_GROUP_BYTES) {
          endRowGroup(file, pages, columns, rowsInGroup);
          columns = null;
          rowsInGroup = 0;
        }
      }
      if (columns != null) {
        endRowGroup(file, pages, columns, rowsInGroup);
      }
      file.end(Map.of(ParquetWriter.OBJECT_MODEL_NAME_PROP, "treeline-inference-log"));
    } catch (IOException | RuntimeException e) {
      file.abort();
      throw e;
    } finally {
      codecs.release();
    }
    FileStatus status = fs.getFileStatus(path);
    return new DataFileStatus(path.toString(), status.getLen(), status.getModificationTime(),
        Optional.of(FileStatistics.of(file.getFooter(), PHYSICAL, statsColumns)));
  }

  private static void endRowGroup(ParquetFileWriter file, ColumnChunkPageWriteStore pages, ColumnWriteStore columns, long rows)
      throws IOException {
    file.startBlock(rows);
    columns.flush();
    pages.flushToFileWriter(file);
    file.endBlock();
    columns.close();
    pages.close();
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

  /**
   * Writes each record's values straight to the column writers with their repetition and definition
   * levels: parquet-mr's record consumer would work the levels out again for every value.
   */
  private static final class RowWriter {
    private static final List<ColumnDescriptor> LEAVES = SCHEMA.getColumns();
    private static final int FEATURES = 10;
    /** A feature's value present, absent (a null field of the element), and the list empty. */
    private static final int FEATURE_VALUE = 4;
    private static final int FEATURE_NULL = 3;
    private static final int FEATURES_EMPTY = 1;

    private final RequestJson json = new RequestJson();
    private final Map<String, Binary> binaries = new HashMap<>();
    private final ColumnWriter[] leaves = new ColumnWriter[LEAVES.size()];

    static {
      ColumnDescriptor name = LEAVES.get(FEATURES);
      if (LEAVES.size() != 20 || name.getMaxDefinitionLevel() != FEATURE_VALUE || name.getMaxRepetitionLevel() != 1
          || !name.getPath()[0].equals("features") || LEAVES.get(0).getMaxDefinitionLevel() != 1) {
        throw new IllegalStateException("the levels written do not fit the schema " + SCHEMA);
      }
    }

    void start(ColumnWriteStore columns) {
      for (int i = 0; i < leaves.length; i++) {
        leaves[i] = columns.getColumnWriter(LEAVES.get(i));
      }
    }

    void write(InferenceRecord r) {
      binary(0, r.requestId() == null ? null : Binary.fromString(r.requestId()));
      leaves[1].write(r.recordIndex(), 0, 1);
      leaves[2].write(r.loggedAtMicros(), 0, 1);
      string(3, r.origin());
      string(4, r.route());
      string(5, r.servedName());
      string(6, r.modelName());
      leaves[7].write(r.modelVersion(), 0, 1);
      string(8, r.runId());
      binary(9, json.render(r.request()));
      features(r.features());
      leaves[16].write(r.prediction(), 0, 1);
      number(17, r.probability(), 0, 1);
      number(18, r.latencyMs(), 0, 1);
      string(19, r.server());
    }

    private void features(List<InferenceRecord.Feature> features) {
      if (features.isEmpty()) {
        for (int i = FEATURES; i < FEATURES + 6; i++) {
          leaves[i].writeNull(0, FEATURES_EMPTY);
        }
        return;
      }
      int repetition = 0;
      for (InferenceRecord.Feature f : features) {
        string(FEATURES, f.name(), repetition, FEATURE_VALUE);
        string(FEATURES + 1, f.view(), repetition, FEATURE_VALUE);
        string(FEATURES + 2, f.source(), repetition, FEATURE_VALUE);
        number(FEATURES + 3, f.number(), repetition, FEATURE_VALUE);
        string(FEATURES + 4, f.text(), repetition, FEATURE_VALUE);
        if (f.featureTime() == null) {
          leaves[FEATURES + 5].writeNull(repetition, FEATURE_NULL);
        } else {
          leaves[FEATURES + 5].write(micros(f.featureTime()), repetition, FEATURE_VALUE);
        }
        repetition = 1;
      }
    }

    private void string(int leaf, String value) {
      string(leaf, value, 0, 1);
    }

    /** A string most rows repeat (model, route, feature names…): encoded once, not once per value. */
    private void string(int leaf, String value, int repetition, int present) {
      if (value == null) {
        leaves[leaf].writeNull(repetition, present - 1);
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
      leaves[leaf].write(bytes, repetition, present);
    }

    private void binary(int leaf, Binary value) {
      if (value == null) {
        leaves[leaf].writeNull(0, 0);
      } else {
        leaves[leaf].write(value, 0, 1);
      }
    }

    private void number(int leaf, Double value, int repetition, int present) {
      if (value == null) {
        leaves[leaf].writeNull(repetition, present - 1);
      } else {
        leaves[leaf].write(value.doubleValue(), repetition, present);
      }
    }

    private static long micros(Instant instant) {
      return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000L), instant.getNano() / 1_000L);
    }
  }
}
