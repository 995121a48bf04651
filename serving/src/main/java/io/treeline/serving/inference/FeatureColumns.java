package io.treeline.serving.inference;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.parquet.bytes.ByteBufferAllocator;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.bytes.BytesUtils;
import org.apache.parquet.bytes.HeapByteBufferAllocator;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.Encoding;
import org.apache.parquet.column.page.DictionaryPage;
import org.apache.parquet.column.page.PageWriteStore;
import org.apache.parquet.column.page.PageWriter;
import org.apache.parquet.column.statistics.Statistics;
import org.apache.parquet.column.values.rle.RunLengthBitPackingHybridEncoder;
import org.apache.parquet.column.values.rle.RunLengthBitPackingHybridValuesWriter;

/**
 * The {@code features} column of one row group, held as primitive arrays and encoded into Parquet V1
 * pages when the row group ends. Each logged row has one value in each of six leaves per model input:
 * through parquet-mr's column writers that was about 200 generic writes a row (levels, dictionary
 * look-ups, size checks), most of the log writer's CPU. Here a row costs array stores; the pages are
 * encoded in tight loops, with what parquet-mr would write for the same values: RLE levels, a
 * dictionary for the strings (PLAIN when it grows past {@link #DICTIONARY_BYTES}, as parquet-mr falls
 * back), PLAIN numbers and times, no statistics (none were kept for nested leaves). Not thread-safe.
 */
final class FeatureColumns {
  /** Rows per page, parquet-mr's default page row limit; a page always starts at a row. */
  static final int PAGE_ROWS = 20_000;
  /** parquet-mr's default dictionary page size: past it a leaf's strings are written PLAIN. */
  static final int DICTIONARY_BYTES = 1024 * 1024;

  private static final int PRESENT = 4;
  private static final int NULL_FIELD = 3;
  private static final int EMPTY_LIST = 1;
  private static final int LEVEL_BITS = BytesUtils.getWidthFromMaxInt(PRESENT);
  private static final ByteBufferAllocator ALLOCATOR = new HeapByteBufferAllocator();

  private final ColumnDescriptor[] leaves;
  private final int dictionaryLimit;
  private final Strings name = new Strings();
  private final Strings view = new Strings();
  private final Strings source = new Strings();
  private final Strings text = new Strings();
  /** Per value (a row with no features has one, all null): the definition levels of number and feature_time. */
  private final Levels numberLevels = new Levels();
  private final Levels timeLevels = new Levels();
  private double[] numbers = new double[1024];
  private int numberCount;
  private long[] times = new long[1024];
  private int timeCount;
  /** Per row: how many values it has in each leaf. */
  private int[] rowValues = new int[256];
  private int rows;
  private int values;

  /** {@code leaves}: the six leaves of the features list in the file's schema (name, view, source, number, text, feature_time). */
  FeatureColumns(List<ColumnDescriptor> leaves) {
    this(leaves, DICTIONARY_BYTES);
  }

  FeatureColumns(List<ColumnDescriptor> leaves, int dictionaryLimit) {
    if (leaves.size() != 6 || leaves.stream().anyMatch(l -> l.getMaxDefinitionLevel() != PRESENT || l.getMaxRepetitionLevel() != 1)) {
      throw new IllegalStateException("the levels written do not fit the leaves " + leaves);
    }
    this.leaves = leaves.toArray(ColumnDescriptor[]::new);
    this.dictionaryLimit = dictionaryLimit;
  }

  void add(List<InferenceRecord.Feature> features) {
    if (rows == rowValues.length) {
      rowValues = Arrays.copyOf(rowValues, rows * 2);
    }
    if (features.isEmpty()) {
      rowValues[rows++] = 1;
      values++;
      name.addNull(EMPTY_LIST);
      view.addNull(EMPTY_LIST);
      source.addNull(EMPTY_LIST);
      text.addNull(EMPTY_LIST);
      numberLevels.add(EMPTY_LIST);
      timeLevels.add(EMPTY_LIST);
      return;
    }
    rowValues[rows++] = features.size();
    values += features.size();
    for (InferenceRecord.Feature f : features) {
      name.add(f.name());
      view.add(f.view());
      source.add(f.source());
      text.add(f.text());
      if (f.number() == null) {
        numberLevels.add(NULL_FIELD);
      } else {
        numberLevels.add(PRESENT);
        if (numberCount == numbers.length) {
          numbers = Arrays.copyOf(numbers, numberCount * 2);
        }
        numbers[numberCount++] = f.number();
      }
      if (f.featureTime() == null) {
        timeLevels.add(NULL_FIELD);
      } else {
        timeLevels.add(PRESENT);
        if (timeCount == times.length) {
          times = Arrays.copyOf(times, timeCount * 2);
        }
        times[timeCount++] = micros(f.featureTime());
      }
    }
  }

  /** About what the row group's features will take encoded, for the row group's size. */
  long bufferedSize() {
    return 4L * values * 6 + 8L * numberCount + 8L * timeCount + name.dictionaryBytes + view.dictionaryBytes + source.dictionaryBytes
        + text.dictionaryBytes;
  }

  /** Writes the row group's pages (and dictionaries) to {@code pages}, then starts empty for the next row group. */
  void flush(PageWriteStore pages) throws IOException {
    if (rows > 0) {
      Strings[] strings = {name, view, source, null, text, null};
      int firstRow = 0;
      int firstValue = 0;
      int[] numberAt = {0};
      int[] timeAt = {0};
      while (firstRow < rows) {
        int endRow = Math.min(rows, firstRow + PAGE_ROWS);
        int pageValues = 0;
        for (int r = firstRow; r < endRow; r++) {
          pageValues += rowValues[r];
        }
        byte[] repetition = repetitionLevels(firstRow, endRow, pageValues);
        int endValue = firstValue + pageValues;
        for (int leaf = 0; leaf < 6; leaf++) {
          BytesInput definition;
          BytesInput data;
          Encoding encoding;
          if (strings[leaf] != null) {
            Strings s = strings[leaf];
            definition = s.levels.encode(firstValue, endValue);
            encoding = s.dictionaryEncoded(dictionaryLimit) ? Encoding.PLAIN_DICTIONARY : Encoding.PLAIN;
            data = encoding == Encoding.PLAIN_DICTIONARY ? s.dictionaryIds(firstValue, endValue) : s.plain(firstValue, endValue);
          } else if (leaf == 3) {
            definition = numberLevels.encode(firstValue, endValue);
            int count = numberLevels.present(firstValue, endValue);
            data = plainDoubles(numberAt[0], count);
            numberAt[0] += count;
            encoding = Encoding.PLAIN;
          } else {
            definition = timeLevels.encode(firstValue, endValue);
            int count = timeLevels.present(firstValue, endValue);
            data = plainLongs(timeAt[0], count);
            timeAt[0] += count;
            encoding = Encoding.PLAIN;
          }
          pages.getPageWriter(leaves[leaf]).writePage(BytesInput.concat(BytesInput.from(repetition), definition, data), pageValues,
              endRow - firstRow, Statistics.noopStats(leaves[leaf].getPrimitiveType()), Encoding.RLE, Encoding.RLE, encoding);
        }
        firstRow = endRow;
        firstValue = endValue;
      }
      for (int leaf = 0; leaf < 6; leaf++) {
        Strings s = strings[leaf];
        if (s != null && s.dictionaryEncoded(dictionaryLimit)) {
          PageWriter writer = pages.getPageWriter(leaves[leaf]);
          writer.writeDictionaryPage(new DictionaryPage(BytesInput.from(s.dictionaryPage()), s.entries, Encoding.PLAIN_DICTIONARY));
        }
      }
    }
    reset();
  }

  private void reset() {
    name.reset();
    view.reset();
    source.reset();
    text.reset();
    numberLevels.count = 0;
    timeLevels.count = 0;
    numberCount = 0;
    timeCount = 0;
    rows = 0;
    values = 0;
  }

  /** The first value of each row at 0, the others at 1: the same for all six leaves. */
  private byte[] repetitionLevels(int firstRow, int endRow, int pageValues) throws IOException {
    RunLengthBitPackingHybridValuesWriter levels = new RunLengthBitPackingHybridValuesWriter(1, 64, pageValues / 8 + 64, ALLOCATOR);
    for (int r = firstRow; r < endRow; r++) {
      levels.writeInteger(0);
      for (int v = 1; v < rowValues[r]; v++) {
        levels.writeInteger(1);
      }
    }
    byte[] bytes = levels.getBytes().toByteArray();
    levels.close();
    return bytes;
  }

  private BytesInput plainDoubles(int from, int count) {
    byte[] bytes = new byte[count * 8];
    for (int i = 0; i < count; i++) {
      long bits = Double.doubleToRawLongBits(numbers[from + i]);
      littleEndian(bytes, i * 8, bits);
    }
    return BytesInput.from(bytes);
  }

  private BytesInput plainLongs(int from, int count) {
    byte[] bytes = new byte[count * 8];
    for (int i = 0; i < count; i++) {
      littleEndian(bytes, i * 8, times[from + i]);
    }
    return BytesInput.from(bytes);
  }

  private static void littleEndian(byte[] bytes, int at, long value) {
    for (int b = 0; b < 8; b++) {
      bytes[at + b] = (byte) (value >>> (8 * b));
    }
  }

  private static long micros(Instant instant) {
    return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000L), instant.getNano() / 1_000L);
  }

  /** Definition levels, one byte per value. */
  private static final class Levels {
    private byte[] levels = new byte[1024];
    private int count;

    void add(int level) {
      if (count == levels.length) {
        levels = Arrays.copyOf(levels, count * 2);
      }
      levels[count++] = (byte) level;
    }

    int present(int from, int to) {
      int present = 0;
      for (int i = from; i < to; i++) {
        if (levels[i] == PRESENT) {
          present++;
        }
      }
      return present;
    }

    BytesInput encode(int from, int to) throws IOException {
      RunLengthBitPackingHybridValuesWriter writer = new RunLengthBitPackingHybridValuesWriter(LEVEL_BITS, 64, (to - from) / 2 + 64, ALLOCATOR);
      for (int i = from; i < to; i++) {
        writer.writeInteger(levels[i]);
      }
      BytesInput bytes = BytesInput.from(writer.getBytes().toByteArray());
      writer.close();
      return bytes;
    }
  }

  /** A string leaf: its values as ids into the row group's dictionary of them (-1 for null). */
  private static final class Strings {
    private final Levels levels = new Levels();
    private final Map<String, Integer> ids = new HashMap<>();
    private byte[][] dictionary = new byte[64][];
    private int entries;
    private long dictionaryBytes;
    private int[] values = new int[1024];
    private int count;

    void add(String value) {
      if (value == null) {
        addNull(NULL_FIELD);
        return;
      }
      Integer id = ids.get(value);
      if (id == null) {
        id = entries;
        if (entries == dictionary.length) {
          dictionary = Arrays.copyOf(dictionary, entries * 2);
        }
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        dictionary[entries++] = bytes;
        dictionaryBytes += 4 + bytes.length;
        ids.put(value, id);
      }
      levels.add(PRESENT);
      append(id);
    }

    void addNull(int level) {
      levels.add(level);
      append(-1);
    }

    private void append(int id) {
      if (count == values.length) {
        values = Arrays.copyOf(values, count * 2);
      }
      values[count++] = id;
    }

    /** Dictionary-encoded unless the dictionary grew too large; a leaf of nulls only has no dictionary to refer to. */
    boolean dictionaryEncoded(int limit) {
      return entries > 0 && dictionaryBytes <= limit;
    }

    BytesInput dictionaryIds(int from, int to) throws IOException {
      int bitWidth = BytesUtils.getWidthFromMaxInt(entries - 1);
      RunLengthBitPackingHybridEncoder encoder = new RunLengthBitPackingHybridEncoder(bitWidth, 64, (to - from) * 4 + 64, ALLOCATOR);
      for (int i = from; i < to; i++) {
        if (values[i] >= 0) {
          encoder.writeInt(values[i]);
        }
      }
      BytesInput bytes = BytesInput.concat(BytesInput.from(new byte[] {(byte) bitWidth}), BytesInput.from(encoder.toBytes().toByteArray()));
      encoder.close();
      return bytes;
    }

    BytesInput plain(int from, int to) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      for (int i = from; i < to; i++) {
        if (values[i] >= 0) {
          writeBinary(out, dictionary[values[i]]);
        }
      }
      return BytesInput.from(out.toByteArray());
    }

    byte[] dictionaryPage() {
      ByteArrayOutputStream out = new ByteArrayOutputStream((int) dictionaryBytes);
      for (int i = 0; i < entries; i++) {
        writeBinary(out, dictionary[i]);
      }
      return out.toByteArray();
    }

    private static void writeBinary(ByteArrayOutputStream out, byte[] bytes) {
      int length = bytes.length;
      out.write(length);
      out.write(length >>> 8);
      out.write(length >>> 16);
      out.write(length >>> 24);
      out.write(bytes, 0, length);
    }

    void reset() {
      ids.clear();
      Arrays.fill(dictionary, 0, entries, null);
      entries = 0;
      dictionaryBytes = 0;
      count = 0;
      levels.count = 0;
    }
  }
}
