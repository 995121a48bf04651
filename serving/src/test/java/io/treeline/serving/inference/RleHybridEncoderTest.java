package io.treeline.serving.inference;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Random;
import org.apache.parquet.bytes.HeapByteBufferAllocator;
import org.apache.parquet.column.values.rle.RunLengthBitPackingHybridDecoder;
import org.apache.parquet.column.values.rle.RunLengthBitPackingHybridEncoder;
import org.junit.jupiter.api.Test;

/** Every encoding is read back by parquet-mr's decoder, which shares no code with ours, and is about as small as parquet-mr's encoder makes it. */
class RleHybridEncoderTest {
  private final RleHybridEncoder encoder = new RleHybridEncoder();

  @Test
  void runs_and_scattered_values_of_every_width_read_back_as_written() throws IOException {
    Random random = new Random(20261207);
    for (int round = 0; round < 3_000; round++) {
      int bitWidth = random.nextInt(33);
      int count = random.nextInt(round % 10 == 0 ? 5_000 : 120);
      int[] values = new int[count];
      int i = 0;
      while (i < count) {
        int value = (int) (random.nextLong() & ((1L << bitWidth) - 1));
        // runs of every length around the run threshold and the group size, and lone values between them
        int length = random.nextBoolean() ? 1 : 1 + random.nextInt(random.nextBoolean() ? 20 : 300);
        for (int r = 0; r < length && i < count; r++) {
          values[i++] = value;
        }
      }
      assertReadsBack(values, bitWidth);
    }
  }

  @Test
  void a_features_page_shape_reads_back_and_is_no_larger_than_parquet_mrs() throws IOException {
    // 33 inputs a row: the repetition levels 0, 1 × 32; the definition levels of a leaf with 7 request inputs null; the name ids 0–32
    int rows = 3_000;
    int[] repetition = new int[rows * 33];
    int[] definition = new int[rows * 33];
    int[] names = new int[rows * 33];
    for (int r = 0; r < rows; r++) {
      for (int f = 0; f < 33; f++) {
        repetition[r * 33 + f] = f == 0 ? 0 : 1;
        definition[r * 33 + f] = f < 7 || (r + f) % 50 == 0 ? 3 : 4;
        names[r * 33 + f] = f;
      }
    }
    for (int[] values : new int[][] {repetition, definition, names}) {
      int bitWidth = 32 - Integer.numberOfLeadingZeros(java.util.Arrays.stream(values).max().orElse(0));
      RleHybridEncoder.Encoded ours = assertReadsBack(values, bitWidth);
      RunLengthBitPackingHybridEncoder theirs = new RunLengthBitPackingHybridEncoder(bitWidth, 64, 1 << 16, new HeapByteBufferAllocator());
      for (int value : values) {
        theirs.writeInt(value);
      }
      assertThat((long) ours.length()).isLessThanOrEqualTo(theirs.toBytes().size());
      theirs.close();
    }
  }

  @Test
  void nothing_one_value_and_a_single_long_run() throws IOException {
    assertThat(assertReadsBack(new int[0], 3).length()).isZero();
    assertReadsBack(new int[] {5}, 3);
    int[] same = new int[100_000];
    java.util.Arrays.fill(same, 4);
    // one run: its header (three bytes of varint) and the value
    assertThat(assertReadsBack(same, 3).length()).isEqualTo(4);
  }

  private RleHybridEncoder.Encoded assertReadsBack(int[] values, int bitWidth) throws IOException {
    RleHybridEncoder.Encoded encoded = encoder.encode(values, values.length, bitWidth);
    RunLengthBitPackingHybridDecoder decoder = new RunLengthBitPackingHybridDecoder(bitWidth, new ByteArrayInputStream(encoded.copy()));
    int[] read = new int[values.length];
    for (int i = 0; i < values.length; i++) {
      read[i] = decoder.readInt();
    }
    assertThat(read).as("%d values of %d bits", values.length, bitWidth).containsExactly(values);
    return encoded;
  }
}
