package io.treeline.serving.inference;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.bytes.BytesUtils;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.Encoding;
import org.apache.parquet.column.page.DictionaryPage;
import org.apache.parquet.column.page.PageWriteStore;
import org.apache.parquet.column.page.PageWriter;
import org.apache.parquet.column.statistics.Statistics;

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
  private final RleHybridEncoder encoder = new RleHybridEncoder();
  /** A page's levels or ids as ints, for the encoder. */
  private int[] scratch = new int[1024];
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
      name.add(features.name(i), i);
      view.add(features.view(i), i);
      source.add(features.source(i), i);
      if (features.hasNumber(i)) {
        number.add(Double.doubleToRawLongBits(features.number(i)));
      } else {
        number.addNull(NULL_FIELD);
      }
      text.add(features.text(i), i);
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

  /** Drops the rows added since the last flush, keeping the buffers: for the next file. */
  void clear() {
    for (Leaf leaf : all) {
      leaf.reset();
    }
    rows = 0;
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
          BytesInput data = dictionary ? dictionaryIds(leaf, firstValue, endValue) : leaf.plain(firstValue, endValue);
          pages.getPageWriter(leaves[l]).writePage(BytesInput.concat(BytesInput.from(repetition), definitionLevels(leaf, firstValue, endValue), data),
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
    clear();
  }

  /** The first value of each row at 0, the others at 1: the same for all six leaves. */
  private byte[] repetitionLevels(int firstRow, int endRow, int pageValues) {
    int[] levels = scratch(pageValues);
    int at = 0;
    for (int r = firstRow; r < endRow; r++) {
      levels[at++] = 0;
      for (int v = 1; v < rowValues[r]; v++) {
        levels[at++] = 1;
      }
    }
    return withLength(encoder.encode(levels, at, 1));
  }

  private BytesInput definitionLevels(Leaf leaf, int from, int to) {
    int[] levels = scratch(to - from);
    for (int i = from; i < to; i++) {
      levels[i - from] = leaf.levels.levels[i];
    }
    return BytesInput.from(withLength(encoder.encode(levels, to - from, LEVEL_BITS)));
  }

  /** The page's dictionary ids of the values that are not null, after a byte of their bit width. */
  private BytesInput dictionaryIds(Leaf leaf, int from, int to) {
    int[] ids = scratch(to - from);
    int count = 0;
    for (int i = from; i < to; i++) {
      if (leaf.ids[i] >= 0) {
        ids[count++] = leaf.ids[i];
      }
    }
    int bitWidth = BytesUtils.getWidthFromMaxInt(leaf.entries - 1);
    RleHybridEncoder.Encoded encoded = encoder.encode(ids, count, bitWidth);
    byte[] page = new byte[1 + encoded.length()];
    page[0] = (byte) bitWidth;
    System.arraycopy(encoded.bytes(), 0, page, 1, encoded.length());
    return BytesInput.from(page);
  }

  /** Levels of a V1 page: their length as four bytes, little-endian, then the levels. */
  private static byte[] withLength(RleHybridEncoder.Encoded encoded) {
    byte[] bytes = new byte[4 + encoded.length()];
    for (int b = 0; b < 4; b++) {
      bytes[b] = (byte) (encoded.length() >>> (8 * b));
    }
    System.arraycopy(encoded.bytes(), 0, bytes, 4, encoded.length());
    return bytes;
  }

  private int[] scratch(int size) {
    if (scratch.length < size) {
      scratch = new int[Math.max(size, 2 * scratch.length)];
    }
    return scratch;
  }

  /** Definition levels, one byte per value. */
  private static final class Levels {
    byte[] levels = new byte[1024];
    private int count;

    void add(int level) {
      if (count == levels.length) {
        levels = Arrays.copyOf(levels, count * 2);
      }
      levels[count++] = (byte) level;
    }
  }

  /** One leaf: its values as ids into the row group's dictionary of them (-1 for null), and their definition levels. */
  private abstract static class Leaf {
    final Levels levels = new Levels();
    int entries;
    long dictionaryBytes;
    int[] ids = new int[1024];
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

  /**
   * A BINARY (UTF-8) leaf. Each input's name, view and source is usually the same String object row
   * after row (the server's plan holds them, a spool file's reader numbers them), so the string last
   * seen at an input's position is tried by identity before the dictionary's hash look-up.
   */
  private static final class StringLeaf extends Leaf {
    private final Map<String, Integer> idOf = new HashMap<>();
    private byte[][] dictionary = new byte[64][];
    private String[] lastAt = new String[64];
    private int[] lastIdAt = new int[64];

    void add(String value, int position) {
      if (value == null) {
        addNull(NULL_FIELD);
        return;
      }
      if (position < lastAt.length && lastAt[position] == value) {
        addId(lastIdAt[position]);
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
      if (position >= lastAt.length) {
        lastAt = Arrays.copyOf(lastAt, Math.max(position + 1, 2 * lastAt.length));
        lastIdAt = Arrays.copyOf(lastIdAt, lastAt.length);
      }
      lastAt[position] = value;
      lastIdAt[position] = id;
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
      Arrays.fill(lastAt, null);
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
