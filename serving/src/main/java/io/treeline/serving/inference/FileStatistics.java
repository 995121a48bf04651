package io.treeline.serving.inference;

import io.delta.kernel.expressions.Column;
import io.delta.kernel.expressions.Literal;
import io.delta.kernel.statistics.DataFileStatistics;
import io.delta.kernel.types.DataType;
import io.delta.kernel.types.DateType;
import io.delta.kernel.types.DoubleType;
import io.delta.kernel.types.IntegerType;
import io.delta.kernel.types.LongType;
import io.delta.kernel.types.StringType;
import io.delta.kernel.types.StructType;
import io.delta.kernel.types.TimestampType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.parquet.column.statistics.Statistics;
import org.apache.parquet.format.converter.ParquetMetadataConverter;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;

/**
 * A data file's Delta statistics (rows, and per column min, max and nulls) from the footer its writer
 * just made, without reading the file back, by Kernel's rules for reading them from the file (ParquetStatsReader): a column
 * with a row group without statistics gets none, an all-null column gets null bounds. Only the
 * top-level columns of the inference log occur; any other column is left without statistics, which
 * costs data skipping, never correctness.
 */
final class FileStatistics {
  private FileStatistics() {}

  static DataFileStatistics of(ParquetMetadata written, StructType schema, List<Column> columns) throws IOException {
    // As a reader will see them: the file format drops some bounds the writer held (NaN, -0.0, values past 4 KiB)
    ParquetMetadataConverter converter = new ParquetMetadataConverter();
    ParquetMetadata footer = converter.fromParquetMetadata(converter.toParquetMetadata(ParquetFileWriter.CURRENT_VERSION, written));
    long rows = 0;
    Map<String, Statistics<?>> merged = new HashMap<>();
    Map<String, Boolean> valid = new HashMap<>();
    for (BlockMetaData block : footer.getBlocks()) {
      rows += block.getRowCount();
      for (ColumnChunkMetaData chunk : block.getColumns()) {
        String name = chunk.getPath().toDotString();
        Statistics<?> stats = chunk.getStatistics();
        boolean usable = stats != null && !stats.isEmpty() && stats.isNumNullsSet()
            && (stats.hasNonNullValue() || stats.getNumNulls() == chunk.getValueCount()); // NaNs leave no bounds
        valid.merge(name, usable, Boolean::logicalAnd);
        if (usable) {
          merged.merge(name, stats, (a, b) -> {
            a.mergeStatistics(b);
            return a;
          });
        }
      }
    }
    Map<Column, Literal> min = new HashMap<>();
    Map<Column, Literal> max = new HashMap<>();
    Map<Column, Long> nulls = new HashMap<>();
    for (Column column : columns) {
      String[] names = column.getNames();
      int index = names.length == 1 ? schema.indexOf(names[0]) : -1;
      if (index < 0 || !Boolean.TRUE.equals(valid.get(names[0])) || !merged.containsKey(names[0])) {
        continue;
      }
      DataType type = schema.at(index).getDataType();
      Statistics<?> stats = merged.get(names[0]);
      if (!supported(type)) {
        continue;
      }
      nulls.put(column, stats.getNumNulls());
      if (stats.getNumNulls() == rows) {
        min.put(column, Literal.ofNull(type));
        max.put(column, Literal.ofNull(type));
        continue;
      }
      min.put(column, literal(type, stats, true));
      max.put(column, literal(type, stats, false));
    }
    return new DataFileStatistics(rows, min, max, nulls, Optional.empty());
  }

  private static boolean supported(DataType type) {
    return Arrays.asList(StringType.STRING, IntegerType.INTEGER, LongType.LONG, DoubleType.DOUBLE, DateType.DATE, TimestampType.TIMESTAMP)
        .contains(type);
  }

  private static Literal literal(DataType type, Statistics<?> stats, boolean min) {
    Object value = min ? stats.genericGetMin() : stats.genericGetMax();
    if (type instanceof StringType) {
      return Literal.ofString(new String(min ? stats.getMinBytes() : stats.getMaxBytes(), StandardCharsets.UTF_8));
    } else if (type instanceof IntegerType) {
      return Literal.ofInt(((Number) value).intValue());
    } else if (type instanceof LongType) {
      return Literal.ofLong(((Number) value).longValue());
    } else if (type instanceof DoubleType) {
      return Literal.ofDouble(((Number) value).doubleValue());
    } else if (type instanceof DateType) {
      return Literal.ofDate(((Number) value).intValue());
    }
    return Literal.ofTimestamp(((Number) value).longValue());
  }
}
