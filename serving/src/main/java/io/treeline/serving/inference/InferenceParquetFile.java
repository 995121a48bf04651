package io.treeline.serving.inference;

import io.delta.kernel.expressions.Column;
import io.delta.kernel.types.StructField;
import io.delta.kernel.types.StructType;
import io.delta.kernel.utils.DataFileStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.column.ColumnWriteStore;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.column.values.factory.DefaultV1ValuesWriterFactory;
import org.apache.parquet.hadoop.CodecFactory;
import org.apache.parquet.hadoop.ColumnChunkPageWriteStore;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetOutputFormat;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.util.HadoopOutputFile;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Types;

/**
 * One Parquet data file of inference records, written from the records themselves with parquet-mr
 * (the top-level columns through its column writers, the features' pages by {@link FeatureColumns}).
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

  static final MessageType SCHEMA = schema();
  /** The columns parquet-mr's column writers write: all but the features, which {@link FeatureColumns} encodes. */
  static final MessageType TOP_LEVEL = topLevel();
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
      .withSizeStatisticsEnabled(false)
      .build();

  /**
   * The row and feature writers of files finished, for the next files: their buffers have grown to a
   * batch's size, and a writer made anew per file grew them again by copying, arrays that live as
   * long as the batch (most of what the writer allocated, and what a young collection had to copy).
   */
  private final ArrayDeque<Encoders> idle = new ArrayDeque<>();
  private final Configuration hadoop;
  private final CompressionCodecName codec;
  private final int dictionaryBytes;
  private final long rowGroupBytes;

  /** Compression as {@code parquet.compression} in the Hadoop configuration says, as Kernel's writer does; uncompressed when unset. */
  InferenceParquetFile(Configuration hadoop) {
    this(hadoop, FeatureColumns.DICTIONARY_BYTES, ROW_GROUP_BYTES);
  }

  /**
   * With the features' dictionaries limited to {@code dictionaryBytes} a leaf and row group, and row groups ended (at a
   * thousand rows) once past {@code rowGroupBytes}. Tests: the PLAIN fallback, several row groups in a file.
   */
  InferenceParquetFile(Configuration hadoop, int dictionaryBytes, long rowGroupBytes) {
    this.dictionaryBytes = dictionaryBytes;
    this.rowGroupBytes = rowGroupBytes;
    this.hadoop = hadoop;
    String configured = hadoop.get(ParquetOutputFormat.COMPRESSION);
    this.codec = configured == null ? CompressionCodecName.UNCOMPRESSED : CompressionCodecName.fromConf(configured);
  }

  /** Starts a new file in {@code directory}; its records are added one by one as they come. */
  Writing open(String directory) throws IOException {
    return new Writing(new Path(directory, UUID.randomUUID() + ".parquet"));
  }

  /** What encodes a file's rows: the top-level columns' writer and the features' columns. */
  private record Encoders(InferenceRowWriter rows, FeatureColumns features) {}

  private synchronized Encoders take() {
    Encoders reused = idle.poll();
    return reused != null ? reused
        : new Encoders(new InferenceRowWriter(TOP_LEVEL),
            new FeatureColumns(SCHEMA.getColumns().stream().filter(c -> c.getPath()[0].equals("features")).toList(), dictionaryBytes));
  }

  /** {@code encoders} back for the next file, emptied (a file given up mid-row-group leaves rows in them). */
  private synchronized void giveBack(Encoders encoders) {
    encoders.features().clear();
    idle.push(encoders);
  }

  /**
   * A file being written. Each record goes into the column writers' page buffers at once, encoded: a
   * batch waiting for its commit is a few bytes a row, not the records' object graphs, which a young
   * collection would have to copy (at 5,000 requests/s a second of records held made the server's pauses
   * two to three times longer). Not thread-safe.
   */
  final class Writing {
    private final Path path;
    private final FileSystem fs;
    private final ParquetFileWriter file;
    private final CodecFactory codecs = new CodecFactory(hadoop, PROPERTIES.getPageSizeThreshold());
    private final Encoders encoders = take();
    private final InferenceRowWriter rows = encoders.rows();
    private final FeatureColumns features = encoders.features();
    private boolean givenBack;
    private ColumnChunkPageWriteStore pages;
    private ColumnWriteStore columns;
    private long rowsInGroup;
    private long rowsInFile;

    private Writing(Path path) throws IOException {
      this.fs = path.getFileSystem(hadoop);
      this.path = fs.makeQualified(path);
      this.file = new ParquetFileWriter(outputFile(this.path), SCHEMA, ParquetFileWriter.Mode.CREATE, rowGroupBytes,
          ParquetWriter.MAX_PADDING_SIZE_DEFAULT, null, PROPERTIES);
      try {
        file.start();
      } catch (IOException | RuntimeException e) {
        abort();
        throw e;
      }
    }

    void write(InferenceRecord record) throws IOException {
      if (givenBack) {
        throw new IllegalStateException("the file " + path + " is finished or given up; start another");
      }
      try {
        if (columns == null) {
          pages = new ColumnChunkPageWriteStore(codecs.getCompressor(codec), SCHEMA, PROPERTIES.getAllocator(),
              PROPERTIES.getColumnIndexTruncateLength(), PROPERTIES.getPageWriteChecksumEnabled());
          columns = PROPERTIES.newColumnWriteStore(TOP_LEVEL, pages, pages);
          rows.start(columns);
        }
        rows.write(record);
        features.add(record.inputs());
        columns.endRecord();
        rowsInFile++;
        if (++rowsInGroup % 1_000 == 0 && columns.getBufferedSize() + features.bufferedSize() >= rowGroupBytes) {
          endRowGroup();
        }
      } catch (IOException | RuntimeException e) {
        abort();
        throw e;
      }
    }

    long rows() {
      return rowsInFile;
    }

    /** Writes the footer and returns the file with the statistics Kernel would have read from it for {@code statsColumns}. */
    DataFileStatus finish(List<Column> statsColumns) throws IOException {
      try {
        if (columns != null) {
          endRowGroup();
        }
        file.end(Map.of(ParquetWriter.OBJECT_MODEL_NAME_PROP, "treeline-inference-log"));
      } catch (IOException | RuntimeException e) {
        file.abort();
        throw e;
      } finally {
        codecs.release();
        release();
      }
      long length;
      long modified;
      if (local(path)) {
        java.nio.file.Path written = Paths.get(path.toUri());
        length = Files.size(written);
        modified = Files.getLastModifiedTime(written).toMillis();
      } else {
        FileStatus status = fs.getFileStatus(path);
        length = status.getLen();
        modified = status.getModificationTime();
      }
      return new DataFileStatus(path.toString(), length, modified, Optional.of(FileStatistics.of(file.getFooter(), PHYSICAL, statsColumns)));
    }

    /** Gives the file up; what was written of it is never committed, so no reader sees it (VACUUM removes it). */
    void abort() {
      try {
        file.abort();
      } finally {
        codecs.release();
        release();
      }
    }

    /** The encoders back to the pool, once: a file's abort may follow its failed finish. */
    private void release() {
      if (!givenBack) {
        givenBack = true;
        giveBack(encoders);
      }
    }

    /**
     * A local file through java.nio: Hadoop's local file system, without its native library, runs
     * {@code chmod} as a child process for each file it creates (and writes a checksum file beside it).
     */
    private OutputFile outputFile(Path qualified) throws IOException {
      if (local(qualified)) {
        java.nio.file.Path local = Paths.get(qualified.toUri());
        Files.createDirectories(local.getParent());
        return new LocalOutputFile(local);
      }
      return HadoopOutputFile.fromPath(qualified, hadoop);
    }

    private void endRowGroup() throws IOException {
      file.startBlock(rowsInGroup);
      columns.flush();
      features.flush(pages);
      pages.flushToFileWriter(file);
      file.endBlock();
      columns.close();
      pages.close();
      columns = null;
      rowsInGroup = 0;
    }
  }

  private static boolean local(Path qualified) {
    return "file".equals(qualified.toUri().getScheme());
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
        .addField(string("arm"))
        .named("DefaultKernelSchema");
  }

  private static MessageType topLevel() {
    return new MessageType(SCHEMA.getName(), SCHEMA.getFields().stream().filter(f -> !f.getName().equals("features")).toList());
  }

  private static org.apache.parquet.schema.Type string(String name) {
    return Types.optional(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named(name);
  }

  private static org.apache.parquet.schema.Type timestamp(String name) {
    return Types.optional(PrimitiveTypeName.INT64).as(LogicalTypeAnnotation.timestampType(true, LogicalTypeAnnotation.TimeUnit.MICROS))
        .named(name);
  }
}
