package io.treeline.core.lake;

import io.delta.kernel.data.ArrayValue;
import io.delta.kernel.data.ColumnVector;
import io.delta.kernel.data.MapValue;
import io.delta.kernel.types.ArrayType;
import io.delta.kernel.types.DataType;
import io.delta.kernel.types.DateType;
import io.delta.kernel.types.MapType;
import io.delta.kernel.types.TimestampNTZType;
import io.delta.kernel.types.TimestampType;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** One column of plain Java values (the types {@link TableContents} lists) as Kernel's column, for Kernel's Parquet writer. */
final class ValueColumn implements ColumnVector {
  private final DataType type;
  private final List<?> values;

  ValueColumn(DataType type, List<?> values) {
    this.type = type;
    this.values = values;
  }

  @Override
  public DataType getDataType() {
    return type;
  }

  @Override
  public int getSize() {
    return values.size();
  }

  @Override
  public void close() {}

  @Override
  public boolean isNullAt(int row) {
    return values.get(row) == null;
  }

  @Override
  public boolean getBoolean(int row) {
    return (Boolean) values.get(row);
  }

  @Override
  public byte getByte(int row) {
    return ((Number) values.get(row)).byteValue();
  }

  @Override
  public short getShort(int row) {
    return ((Number) values.get(row)).shortValue();
  }

  @Override
  public int getInt(int row) {
    Object value = values.get(row);
    return type instanceof DateType ? Math.toIntExact(((LocalDate) value).toEpochDay()) : ((Number) value).intValue();
  }

  @Override
  public long getLong(int row) {
    Object value = values.get(row);
    if (type instanceof TimestampType) {
      return KernelValues.micros((Instant) value);
    }
    if (type instanceof TimestampNTZType) {
      return KernelValues.micros((LocalDateTime) value);
    }
    return ((Number) value).longValue();
  }

  @Override
  public float getFloat(int row) {
    return ((Number) values.get(row)).floatValue();
  }

  @Override
  public double getDouble(int row) {
    return ((Number) values.get(row)).doubleValue();
  }

  @Override
  public byte[] getBinary(int row) {
    return (byte[]) values.get(row);
  }

  @Override
  public String getString(int row) {
    return (String) values.get(row);
  }

  @Override
  public BigDecimal getDecimal(int row) {
    return (BigDecimal) values.get(row);
  }

  @Override
  public MapValue getMap(int row) {
    MapType mapType = (MapType) type;
    Map<?, ?> map = (Map<?, ?>) values.get(row);
    List<Object> keys = new ArrayList<>(map.keySet());
    List<Object> mapValues = new ArrayList<>(map.values());
    return new MapValue() {
      @Override
      public int getSize() {
        return keys.size();
      }

      @Override
      public ColumnVector getKeys() {
        return new ValueColumn(mapType.getKeyType(), keys);
      }

      @Override
      public ColumnVector getValues() {
        return new ValueColumn(mapType.getValueType(), mapValues);
      }
    };
  }

  @Override
  public ArrayValue getArray(int row) {
    List<?> elements = (List<?>) values.get(row);
    DataType elementType = ((ArrayType) type).getElementType();
    return new ArrayValue() {
      @Override
      public int getSize() {
        return elements.size();
      }

      @Override
      public ColumnVector getElements() {
        return new ValueColumn(elementType, elements);
      }
    };
  }
}
