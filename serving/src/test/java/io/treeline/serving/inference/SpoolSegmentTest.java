package io.treeline.serving.inference;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The spool's file format: every record comes back equal, whatever its values; a damaged end keeps what came before. */
class SpoolSegmentTest {
  @TempDir Path dir;

  /** Records with the values that break encoders: NaN, ±0.0, infinities, extremes of time, nulls everywhere, long and non-ASCII text. */
  static List<InferenceRecord> extremes() {
    List<InferenceRecord> records = new ArrayList<>();
    String longText = "é€𝄞".repeat(30_000); // past DataOutputStream's 64 KB limit for one string, in UTF-8
    double[] numbers = {Double.NaN, -0.0, 0.0, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.MIN_VALUE, -Double.MAX_VALUE, 1e16,
        1.0, 1_700_000_000_000.0, (double) Long.MAX_VALUE};
    Instant[] times = {Instant.EPOCH, Instant.parse("-290000-01-01T00:00:00Z"), Instant.parse("+290000-12-31T23:59:59.999999999Z"),
        Instant.ofEpochSecond(-1, 999_999_999), Instant.ofEpochMilli(1_700_000_000_123L)};
    for (int i = 0; i < numbers.length; i++) {
      Map<String, JsonNode> fields = new LinkedHashMap<>();
      fields.put("origin", TextNode.valueOf(i % 2 == 0 ? "SFO" : "Zürich \"quoted\" \\ \n"));
      fields.put("distance", DoubleNode.valueOf(i == 0 ? 1e16 : -0.0));
      fields.put("id", LongNode.valueOf(Long.MAX_VALUE - i));
      fields.put("nothing", NullNode.getInstance());
      RequestRecord request = switch (i % 3) {
        case 0 -> RequestRecord.of(fields);
        case 1 -> {
          byte[] body = ("[{\"a\":1},{\"origin\":\"ORD\",\"x\":" + i + "}]").getBytes(StandardCharsets.UTF_8);
          yield RequestRecord.received(body, new String(body, StandardCharsets.US_ASCII).indexOf("{\"origin"), body.length - 1);
        }
        default -> RequestRecord.EMPTY;
      };
      List<InferenceRecord.Feature> features = List.of(
          new InferenceRecord.Feature("n" + i, null, "request", numbers[i], null, null),
          new InferenceRecord.Feature("t", "v", "online_store", null, i == 3 ? longText : "ORD", times[i % times.length]),
          new InferenceRecord.Feature("missing", "v", "missing", null, null, null),
          new InferenceRecord.Feature("", "", "", null, "", null));
      records.add(new InferenceRecord(i == 5 ? "" : "request-" + i, i == 7 ? Integer.MAX_VALUE : i, i == 2 ? Long.MIN_VALUE : Long.MAX_VALUE - i,
          InferenceRecord.ONLINE, i == 4 ? null : "/v1/models/{name}/predict", "delay", "delay", i == 6 ? Long.MAX_VALUE : -i, i % 2 == 0 ? null : "run",
          request, features, numbers[(i + 1) % numbers.length], i % 2 == 0 ? null : numbers[i], i % 3 == 0 ? null : 0.25, "host:1",
          i % 2 == 0 ? null : "champion"));
    }
    return records;
  }

  private Path write(List<InferenceRecord> records) throws IOException {
    Path file = dir.resolve("segment.spool");
    try (SpoolSegment.Writer writer = new SpoolSegment.Writer(file)) {
      for (InferenceRecord record : records) {
        writer.append(record);
      }
      assertThat(writer.records()).isEqualTo(records.size());
      writer.flush();
      assertThat(writer.bytes()).isEqualTo(Files.size(file));
    }
    return file;
  }

  @Test
  void every_record_comes_back_equal_field_by_field_with_extreme_values() throws IOException {
    List<InferenceRecord> records = extremes();
    SpoolSegment.Contents read = SpoolSegment.read(write(records));

    assertThat(read.damaged()).isFalse();
    assertThat(read.records()).hasSize(records.size());
    for (int i = 0; i < records.size(); i++) {
      InferenceRecord expected = records.get(i);
      InferenceRecord actual = read.records().get(i);
      // Records compare doubles as Double.equals does: NaN equals NaN, -0.0 differs from 0.0.
      assertThat(actual).as("record %d", i).isEqualTo(expected);
      assertThat(Double.doubleToRawLongBits(actual.prediction())).isEqualTo(Double.doubleToRawLongBits(expected.prediction()));
      assertThat(actual.request().fields()).as("request %d", i).isEqualTo(expected.request().fields());
      assertThat(actual.request().received()).isEqualTo(expected.request().received());
    }
  }

  @Test
  void repeated_strings_are_written_once_so_a_typical_record_takes_a_few_hundred_bytes() throws IOException {
    List<InferenceRecord> records = Records.many("r", 1_000, Instant.parse("2026-12-07T00:00:00Z"), "host:1");
    Path file = write(records);

    assertThat(SpoolSegment.read(file).records()).isEqualTo(records);
    assertThat(Files.size(file) / records.size()).as("bytes per record").isLessThan(200);
  }

  @Test
  void a_file_cut_inside_a_record_keeps_the_records_before_it_and_says_it_is_damaged() throws IOException {
    List<InferenceRecord> records = extremes();
    Path file = write(records);
    Path whole = Files.copy(file, dir.resolve("whole.spool"));
    long size = Files.size(file);

    for (long cut : new long[] {size - 1, size - 30, 8 + 4, 8 + 2}) {
      Files.copy(whole, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
        raf.setLength(cut);
      }
      SpoolSegment.Contents read = SpoolSegment.read(file);
      assertThat(read.damaged()).as("cut at %d of %d", cut, size).isTrue();
      assertThat(read.records()).isEqualTo(records.subList(0, read.records().size()));
    }
    Files.copy(whole, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.setLength(8);
    }
    assertThat(SpoolSegment.read(file)).isEqualTo(new SpoolSegment.Contents(List.of(), false));
  }

  @Test
  void a_flipped_byte_ends_the_file_at_the_record_it_is_in() throws IOException {
    List<InferenceRecord> records = Records.many("r", 10, Instant.parse("2026-12-07T00:00:00Z"), "host:1");
    Path file = write(records);
    long size = Files.size(file);
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.seek(size - 5);
      int b = raf.read();
      raf.seek(size - 5);
      raf.write(b ^ 0x10);
    }
    SpoolSegment.Contents read = SpoolSegment.read(file);

    assertThat(read.damaged()).isTrue();
    assertThat(read.records()).isEqualTo(records.subList(0, 9));
  }

  @Test
  void a_file_that_is_not_a_spool_file_holds_nothing() throws IOException {
    Path file = Files.writeString(dir.resolve("other.spool"), "PAR1 not a spool file");
    assertThat(SpoolSegment.read(file)).isEqualTo(new SpoolSegment.Contents(List.of(), true));
  }
}
