package io.treeline.core.lake;

import io.delta.kernel.data.ArrayValue;
import io.delta.kernel.data.ColumnVector;
import io.delta.kernel.data.MapValue;
import io.delta.kernel.types.ArrayType;
import io.delta.kernel.types.BinaryType;
import io.delta.kernel.types.BooleanType;
import io.delta.kernel.types.ByteType;
import io.delta.kernel.types.DataType;
import io.delta.kernel.types.DateType;
import io.delta.kernel.types.DecimalType;
import io.delta.kernel.types.DoubleType;
import io.delta.kernel.types.FloatType;
import io.delta.kernel.types.IntegerType;
import io.delta.kernel.types.LongType;
import io.delta.kernel.types.MapType;
import io.delta.kernel.types.ShortType;
import io.delta.kernel.types.StringType;
import io.delta.kernel.types.StructType;
import io.delta.kernel.types.TimestampNTZType;
import io.delta.kernel.types.TimestampType;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Delta Kernel's column values as plain Java values, and back: the types {@link TableContents} lists. */
final class KernelValues {
  private KernelValues() {}

  static Object read(ColumnVector vector, int row) {
    if (vector.isNullAt(row)) {
      return null;
    }
    DataType type = vector.getDataType();
    if (type instanceof StringType) {
      return vector.getString(row);
    } else if (type instanceof LongType) {
      return vector.getLong(row);
    } else if (type instanceof IntegerType) {
      return vector.getInt(row);
    } else if (type instanceof ShortType) {
      return vector.getShort(row);
    } else if (type instanceof ByteType) {
      return vector.getByte(row);
    } else if (type instanceof DoubleType) {
      return vector.getDouble(row);
    } else if (type instanceof FloatType) {
      return vector.getFloat(row);
    } else if (type instanceof BooleanType) {
      return vector.getBoolean(row);
    } else if (type instanceof DecimalType) {
      return vector.getDecimal(row);
    } else if (type instanceof BinaryType) {
      return vector.getBinary(row);
    } else if (type instanceof DateType) {
      return LocalDate.ofEpochDay(vector.getInt(row));
    } else if (type instanceof TimestampType) {
      return instant(vector.getLong(row));
    } else if (type instanceof TimestampNTZType) {
      return localDateTime(vector.getLong(row));
    } else if (type instanceof MapType) {
      MapValue map = vector.getMap(row);
      Map<Object, Object> values = new LinkedHashMap<>();
      for (int i = 0; i < map.getSize(); i++) {
        values.put(read(map.getKeys(), i), read(map.getValues(), i));
      }
      return values;
    } else if (type instanceof ArrayType) {
      ArrayValue array = vector.getArray(row);
      List<Object> values = new ArrayList<>(array.getSize());
      for (int i = 0; i < array.getSize(); i++) {
        values.add(read(array.getElements(), i));
      }
      return values;
    } else if (type instanceof StructType struct) {
      Map<String, Object> fields = new LinkedHashMap<>();
      for (int i = 0; i < struct.length(); i++) {
        fields.put(struct.at(i).getName(), read(vector.getChild(i), row));
      }
      return fields;
    }
    throw new UnsupportedOperationException("Cannot read a Delta column of type " + type + ": Treeline reads only the types TableContents lists.");
  }

  /** Microseconds since the epoch, as Delta keeps timestamps. */
  static long micros(Instant instant) {
    return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000L), instant.getNano() / 1000);
  }

  static long micros(LocalDateTime time) {
    return micros(time.toInstant(ZoneOffset.UTC));
  }

  static Instant instant(long micros) {
    return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1000);
  }

  static LocalDateTime localDateTime(long micros) {
    return LocalDateTime.ofInstant(instant(micros), ZoneOffset.UTC);
  }
}
