package io.treeline.serving.inference;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.delta.kernel.data.ArrayValue;
import io.delta.kernel.data.ColumnVector;
import io.delta.kernel.data.ColumnarBatch;
import io.delta.kernel.defaults.internal.data.DefaultColumnarBatch;
import io.delta.kernel.types.DataType;
import io.delta.kernel.types.StructType;
import java.time.Instant;
import java.util.List;
import java.util.function.Function;

/**
 * Inference records as a Delta Kernel columnar batch of {@link InferenceLogSchema#TABLE}: read-only
 * views over the records, so a batch is written without copying it into other arrays first. Only for
 * Kernel's own Parquet writer, which {@link DeltaKernelAppender} uses where Kernel would lay the data
 * files out otherwise than {@link InferenceParquetFile} does (about twice the CPU per row).
 */
final class RecordColumns {
  private static final ObjectMapper JSON = new ObjectMapper();

  private RecordColumns() {}

  static ColumnarBatch of(List<InferenceRecord> rows) {
    return new DefaultColumnarBatch(rows.size(), InferenceLogSchema.TABLE, columns(rows));
  }

  /** The records as {@code schema}'s columns only: a table made before some of {@link InferenceLogSchema#ADDED_COLUMNS}. */
  static ColumnarBatch of(List<InferenceRecord> rows, StructType schema) {
    ColumnVector[] all = columns(rows);
    ColumnVector[] selected = new ColumnVector[schema.length()];
    for (int i = 0; i < selected.length; i++) {
      selected[i] = all[InferenceLogSchema.TABLE.indexOf(schema.at(i).getName())];
    }
    return new DefaultColumnarBatch(rows.size(), schema, selected);
  }

  private static ColumnVector[] columns(List<InferenceRecord> rows) {
    String[] requests = new String[rows.size()];
    for (int i = 0; i < requests.length; i++) {
      requests[i] = json(rows.get(i));
    }
    ColumnVector[] columns = {
        new Column<>(InferenceLogSchema.TABLE.at(0).getDataType(), rows, InferenceRecord::requestId),
        new Column<>(InferenceLogSchema.TABLE.at(1).getDataType(), rows, InferenceRecord::recordIndex),
        new Column<>(InferenceLogSchema.TABLE.at(2).getDataType(), rows, InferenceRecord::loggedAtMicros),
        new Column<>(InferenceLogSchema.TABLE.at(3).getDataType(), rows, InferenceRecord::date),
        new Column<>(InferenceLogSchema.TABLE.at(4).getDataType(), rows, InferenceRecord::origin),
        new Column<>(InferenceLogSchema.TABLE.at(5).getDataType(), rows, InferenceRecord::route),
        new Column<>(InferenceLogSchema.TABLE.at(6).getDataType(), rows, InferenceRecord::servedName),
        new Column<>(InferenceLogSchema.TABLE.at(7).getDataType(), rows, InferenceRecord::modelName),
        new Column<>(InferenceLogSchema.TABLE.at(8).getDataType(), rows, InferenceRecord::modelVersion),
        new Column<>(InferenceLogSchema.TABLE.at(9).getDataType(), rows, InferenceRecord::runId),
        new Column<>(InferenceLogSchema.TABLE.at(10).getDataType(), java.util.Arrays.asList(requests), Function.identity()),
        new FeatureArrays(rows),
        new Column<>(InferenceLogSchema.TABLE.at(12).getDataType(), rows, InferenceRecord::prediction),
        new Column<>(InferenceLogSchema.TABLE.at(13).getDataType(), rows, InferenceRecord::probability),
        new Column<>(InferenceLogSchema.TABLE.at(14).getDataType(), rows, InferenceRecord::latencyMs),
        new Column<>(InferenceLogSchema.TABLE.at(15).getDataType(), rows, InferenceRecord::server),
        new Column<>(InferenceLogSchema.TABLE.at(16).getDataType(), rows, InferenceRecord::arm),
    };
    return columns;
  }

  /** The record's fields as one compact JSON object; a value Jackson cannot write is not worth failing a whole batch for. */
  private static String json(InferenceRecord record) {
    try {
      return JSON.writeValueAsString(record.request().fields());
    } catch (JsonProcessingException | RuntimeException e) {
      return null;
    }
  }

  private static Long micros(Instant instant) {
    return instant == null ? null : InferenceRecord.micros(instant);
  }

  /** A column of one value per row; Kernel asks for it by the getter of the column's type (a timestamp is a long of microseconds). */
  private static final class Column<T> implements ColumnVector {
    private final DataType type;
    private final List<T> rows;
    private final Function<T, ?> value;

    Column(DataType type, List<T> rows, Function<T, ?> value) {
      this.type = type;
      this.rows = rows;
      this.value = value;
    }

    private Object at(int row) {
      return value.apply(rows.get(row));
    }

    @Override
    public DataType getDataType() {
      return type;
    }

    @Override
    public int getSize() {
      return rows.size();
    }

    @Override
    public void close() {}

    @Override
    public boolean isNullAt(int row) {
      return at(row) == null;
    }

    @Override
    public int getInt(int row) {
      return ((Number) at(row)).intValue();
    }

    @Override
    public long getLong(int row) {
      Object v = at(row);
      return v instanceof Instant instant ? micros(instant) : ((Number) v).longValue();
    }

    @Override
    public double getDouble(int row) {
      return ((Number) at(row)).doubleValue();
    }

    @Override
    public String getString(int row) {
      return (String) at(row);
    }
  }

  /** The features column: per row, an array of one struct per model input. */
  private static final class FeatureArrays implements ColumnVector {
    private final List<InferenceRecord> rows;

    FeatureArrays(List<InferenceRecord> rows) {
      this.rows = rows;
    }

    @Override
    public DataType getDataType() {
      return InferenceLogSchema.TABLE.at(11).getDataType();
    }

    @Override
    public int getSize() {
      return rows.size();
    }

    @Override
    public void close() {}

    @Override
    public boolean isNullAt(int row) {
      return false;
    }

    @Override
    public ArrayValue getArray(int row) {
      List<InferenceRecord.Feature> features = rows.get(row).features();
      return new ArrayValue() {
        @Override
        public int getSize() {
          return features.size();
        }

        @Override
        public ColumnVector getElements() {
          return new FeatureStructs(features);
        }
      };
    }
  }

  private static final class FeatureStructs implements ColumnVector {
    private final List<InferenceRecord.Feature> features;

    FeatureStructs(List<InferenceRecord.Feature> features) {
      this.features = features;
    }

    @Override
    public DataType getDataType() {
      return InferenceLogSchema.FEATURE;
    }

    @Override
    public int getSize() {
      return features.size();
    }

    @Override
    public void close() {}

    @Override
    public boolean isNullAt(int row) {
      return false;
    }

    @Override
    public ColumnVector getChild(int ordinal) {
      StructType struct = InferenceLogSchema.FEATURE;
      DataType type = struct.at(ordinal).getDataType();
      return switch (ordinal) {
        case 0 -> new Column<>(type, features, InferenceRecord.Feature::name);
        case 1 -> new Column<>(type, features, InferenceRecord.Feature::view);
        case 2 -> new Column<>(type, features, InferenceRecord.Feature::source);
        case 3 -> new Column<>(type, features, InferenceRecord.Feature::number);
        case 4 -> new Column<>(type, features, InferenceRecord.Feature::text);
        case 5 -> new Column<>(type, features, InferenceRecord.Feature::featureTime);
        default -> throw new IndexOutOfBoundsException("the feature struct has no field " + ordinal);
      };
    }
  }
}
