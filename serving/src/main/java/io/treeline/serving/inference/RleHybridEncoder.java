package io.treeline.serving.inference;

import java.util.Arrays;

/**
 * Parquet's RLE / bit-packing hybrid encoding of small non-negative integers (levels and dictionary
 * ids), over a whole page's values at once. parquet-mr's encoder takes one value per call and decides
 * run by run as values come: for a page of a log's features that was a sixth of the writer's CPU. Here
 * a run is found by scanning the array: a value repeated at least eight times is one RLE run, the
 * values between runs are bit-packed in groups of eight (the last group of the page padded with zeros,
 * as the format allows). Not thread-safe: one per writing thread.
 */
final class RleHybridEncoder {
  /** Shorter runs are bit-packed with their neighbours: an RLE run costs a header and a value, as much as eight packed values. */
  private static final int MIN_RUN = 8;

  private byte[] out = new byte[1024];
  private int size;

  /**
   * {@code values[0, count)} encoded with {@code bitWidth} bits a value; the array holds at most
   * {@code bitWidth} bits per value, which is not checked. The bytes are valid until the next call.
   */
  Encoded encode(int[] values, int count, int bitWidth) {
    size = 0;
    int packedFrom = 0;
    int i = 0;
    while (i < count) {
      int value = values[i];
      int end = i + 1;
      while (end < count && values[end] == value) {
        end++;
      }
      if (end - i >= MIN_RUN) {
        // The values before the run are packed in whole groups of eight, the first values of the run filling the last group.
        int packed = i - packedFrom;
        int fill = (MIN_RUN - packed % MIN_RUN) % MIN_RUN;
        if (end - i - fill >= MIN_RUN) {
          bitPacked(values, packedFrom, i + fill, bitWidth);
          run(end - i - fill, value, bitWidth);
          packedFrom = end;
        }
      }
      i = end;
    }
    if (packedFrom < count) {
      bitPacked(values, packedFrom, count, bitWidth);
    }
    return new Encoded(out, size);
  }

  /** The bytes of one encoding, {@code bytes[0, length)}; valid until the encoder's next call. */
  record Encoded(byte[] bytes, int length) {
    byte[] copy() {
      return Arrays.copyOf(bytes, length);
    }
  }

  private void run(int length, int value, int bitWidth) {
    varint(length << 1);
    room((bitWidth + 7) / 8);
    for (int shift = 0; shift < bitWidth; shift += 8) {
      out[size++] = (byte) (value >>> shift);
    }
  }

  /** {@code values[from, to)} packed least significant bit first, in groups of eight; a last group short of eight is padded with zeros. */
  private void bitPacked(int[] values, int from, int to, int bitWidth) {
    if (from == to) {
      return;
    }
    int groups = (to - from + MIN_RUN - 1) / MIN_RUN;
    varint(groups << 1 | 1);
    room(groups * bitWidth);
    long bits = 0;
    int held = 0;
    int end = from + groups * MIN_RUN;
    for (int i = from; i < end; i++) {
      bits |= (i < to ? values[i] & 0xFFFFFFFFL : 0) << held;
      held += bitWidth;
      while (held >= 8) {
        out[size++] = (byte) bits;
        bits >>>= 8;
        held -= 8;
      }
    }
  }

  private void varint(int value) {
    room(5);
    while ((value & ~0x7F) != 0) {
      out[size++] = (byte) ((value & 0x7F) | 0x80);
      value >>>= 7;
    }
    out[size++] = (byte) value;
  }

  private void room(int more) {
    if (size + more > out.length) {
      out = Arrays.copyOf(out, Math.max(out.length * 2, size + more));
    }
  }
}
