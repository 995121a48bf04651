package io.treeline.serving.inference;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
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
 * dictionary per leaf and row group (PLAIN when it grows past the dictionary limit, as parquet-mr
 * falls back), no statistics (none were kept for nested leaves). Not thread-safe.
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
  private final StringLeaf name = new StringLeaf();
  private final StringLeaf view = new StringLeaf();
  private final StringLeaf source = new StringLeaf();
  /** A number as the bits of its double: the dictionary tells 0.0 from -0.0, as parquet-mr's does. */
  private final LongLeaf number = new LongLeaf();
  private final StringLeaf text = new StringLeaf();
  private final LongLeaf featureTime = new LongLeaf();
  /** In the order of the file's leaves. */
  private final Leaf[] all = {name, view, source, number, text, featureTime};
  /** Per row: how many values it has in each leaf. */
  private int[] rowValues = new int[256];
  private int rows;

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

  void add(InferenceRecord.Inputs features) {
    if (rows == rowValues.length) {
      rowValues = Arrays.copyOf(rowValues, rows * 2);
    }
    int count = features.size();
    if (count == 0) {
      rowValues[rows++] = 1;
      for (Leaf leaf : all) {
        leaf.addNull(EMPTY_LIST);
      }
      return;
    }
    rowValues[rows++] = count;
    // Field by field: a Feature object per input and row is what this class exists to avoid.
    for (int i = 0; i < count; i++) {
      name.add(features.name(i));
      view.add(features.view(i));
      source.add(features.source(i));
      if (features.hasNumber(i)) {
        number.add(Double.doubleToRawLongBits(features.number(i)));
      } else {
        number.addNull(NULL_FIELD);
      }
      text.add(features.text(i));
      if (features.hasFeatureTime(i)) {
        featureTime.add(InferenceRecord.micros(features.featureTimeSecond(i), features.featureTimeNano(i)));
      } else {
        featureTime.addNull(NULL_FIELD);
      }
    }
  }

  /** About what the row group's features will take encoded, for the row group's size. */
  long bufferedSize() {
    long size = 0;
    for (Leaf leaf : all) {
      size += leaf.bufferedSize();
    }
    return size;
  }

  /** Writes the row group's pages (and dictionaries) to {@code pages}, then starts empty for the next row group. */
  void flush(PageWriteStore pages) throws IOException {
    if (rows > 0) {
      int firstRow = 0;
      int firstValue = 0;
      while (firstRow < rows) {
        int endRow = Math.min(rows, firstRow + PAGE_ROWS);
        int pageValues = 0;
        for (int r = firstRow; r < endRow; r++) {
          pageValues += rowValues[r];
        }
        byte[] repetition = repetitionLevels(firstRow, endRow, pageValues);
        int endValue = firstValue + pageValues;
        for (int l = 0; l < all.length; l++) {
          Leaf leaf = all[l];
          boolean dictionary = leaf.dictionaryEncoded(dictionaryLimit);
          BytesInput data = dictionary ? leaf.dictionaryIds(firstValue, endValue) : leaf.plain(firstValue, endValue);
          pages.getPageWriter(leaves[l]).writePage(BytesInput.concat(BytesInput.from(repetition), leaf.levels.encode(firstValue, endValue), data),
              pageValues, endRow - firstRow, Statistics.noopStats(leaves[l].getPrimitiveType()), Encoding.RLE, Encoding.RLE,
              dictionary ? Encoding.PLAIN_DICTIONARY : Encoding.PLAIN);
        }
        firstRow = endRow;
        firstValue = endValue;
      }
      for (int l = 0; l < all.length; l++) {
        if (all[l].dictionaryEncoded(dictionaryLimit)) {
          pages.getPageWriter(leaves[l])
              .writeDictionaryPage(new DictionaryPage(BytesInput.from(all[l].dictionaryPage()), all[l].entries, Encoding.PLAIN_DICTIONARY));
        }
      }
    }
    for (Leaf leaf : all) {
      leaf.reset();
    }
    rows = 0;
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

  /** One leaf: its values as ids into the row group's dictionary of them (-1 for null), and their definition levels. */
  private abstract static class Leaf {
    final Levels levels = new Levels();
    int entries;
    long dictionaryBytes;
    private int[] ids = new int[1024];
    private int count;

    final void addNull(int level) {
      levels.add(level);
      append(-1);
    }

    final void addId(int id) {
      levels.add(PRESENT);
      append(id);
    }

    private void append(int id) {
      if (count == ids.length) {
        ids = Arrays.copyOf(ids, count * 2);
      }
      ids[count++] = id;
    }

    long bufferedSize() {
      return 5L * count + dictionaryBytes;
    }

    /** Dictionary-encoded unless the dictionary grew too large; a leaf of nulls only has no dictionary to refer to. */
    final boolean dictionaryEncoded(int limit) {
      return entries > 0 && dictionaryBytes <= limit;
    }

    final BytesInput dictionaryIds(int from, int to) throws IOException {
      int bitWidth = BytesUtils.getWidthFromMaxInt(entries - 1);
      RunLengthBitPackingHybridEncoder encoder = new RunLengthBitPackingHybridEncoder(bitWidth, 64, (to - from) * 4 + 64, ALLOCATOR);
      for (int i = from; i < to; i++) {
        if (ids[i] >= 0) {
          encoder.writeInt(ids[i]);
        }
      }
      BytesInput bytes = BytesInput.concat(BytesInput.from(new byte[] {(byte) bitWidth}), BytesInput.from(encoder.toBytes().toByteArray()));
      encoder.close();
      return bytes;
    }

    final BytesInput plain(int from, int to) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      for (int i = from; i < to; i++) {
        if (ids[i] >= 0) {
          writeEntry(out, ids[i]);
        }
      }
      return BytesInput.from(out.toByteArray());
    }

    final byte[] dictionaryPage() {
      ByteArrayOutputStream out = new ByteArrayOutputStream((int) dictionaryBytes);
      for (int i = 0; i < entries; i++) {
        writeEntry(out, i);
      }
      return out.toByteArray();
    }

    /** Entry {@code id} PLAIN-encoded. */
    abstract void writeEntry(ByteArrayOutputStream out, int id);

    void reset() {
      entries = 0;
      dictionaryBytes = 0;
      count = 0;
      levels.count = 0;
    }

    static void littleEndian(ByteArrayOutputStream out, long value, int bytes) {
      for (int b = 0; b < bytes; b++) {
        out.write((int) (value >>> (8 * b)));
      }
    }
  }

  /** A BINARY (UTF-8) leaf. */
  private static final class StringLeaf extends Leaf {
    private final Map<String, Integer> idOf = new HashMap<>();
    private byte[][] dictionary = new byte[64][];

    void add(String value) {
      if (value == null) {
        addNull(NULL_FIELD);
        return;
      }
      Integer id = idOf.get(value);
      if (id == null) {
        id = entries;
        if (entries == dictionary.length) {
          dictionary = Arrays.copyOf(dictionary, entries * 2);
        }
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        dictionary[entries++] = bytes;
        dictionaryBytes += 4 + bytes.length;
        idOf.put(value, id);
      }
      addId(id);
    }

    @Override
    void writeEntry(ByteArrayOutputStream out, int id) {
      byte[] bytes = dictionary[id];
      littleEndian(out, bytes.length, 4);
      out.write(bytes, 0, bytes.length);
    }

    @Override
    void reset() {
      Arrays.fill(dictionary, 0, entries, null);
      idOf.clear();
      super.reset();
    }
  }

  /** An INT64 or DOUBLE leaf, by the value's 64 bits; an open-addressing map, so a look-up allocates nothing. */
  private static final class LongLeaf extends Leaf {
    private long[] dictionary = new long[64];
    /** Slot → id + 1 of the entry whose hash lands there; 0 is empty. */
    private int[] slots = new int[128];

    void add(long value) {
      int mask = slots.length - 1;
      int slot = hash(value) & mask;
      while (slots[slot] != 0) {
        int id = slots[slot] - 1;
        if (dictionary[id] == value) {
          addId(id);
          return;
        }
        slot = (slot + 1) & mask;
      }
      int id = entries++;
      if (id == dictionary.length) {
        dictionary = Arrays.copyOf(dictionary, id * 2);
      }
      dictionary[id] = value;
      dictionaryBytes += 8;
      slots[slot] = id + 1;
      if (entries * 2 > slots.length) {
        rehash();
      }
      addId(id);
    }

    private void rehash() {
      slots = new int[slots.length * 2];
      int mask = slots.length - 1;
      for (int id = 0; id < entries; id++) {
        int slot = hash(dictionary[id]) & mask;
        while (slots[slot] != 0) {
          slot = (slot + 1) & mask;
        }
        slots[slot] = id + 1;
      }
    }

    /** MurmurHash3's finalizer: times a millisecond apart differ only in a few middle bits, which a multiply alone leaves clustered. */
    private static int hash(long value) {
      long h = value;
      h ^= h >>> 33;
      h *= 0xff51afd7ed558ccdL;
      h ^= h >>> 33;
      h *= 0xc4ceb9fe1a85ec53L;
      h ^= h >>> 33;
      return (int) h;
    }

    @Override
    void writeEntry(ByteArrayOutputStream out, int id) {
      littleEndian(out, dictionary[id], 8);
    }

    @Override
    void reset() {
      Arrays.fill(slots, 0);
      super.reset();
    }
  }
}
