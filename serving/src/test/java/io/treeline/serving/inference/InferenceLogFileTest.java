package io.treeline.serving.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.delta.kernel.data.ColumnarBatch;
import io.delta.kernel.data.FilteredColumnarBatch;
import io.delta.kernel.defaults.engine.DefaultEngine;
import io.delta.kernel.expressions.Column;
import io.delta.kernel.types.StructField;
import io.delta.kernel.utils.CloseableIterator;
import io.delta.kernel.utils.DataFileStatus;
import io.treeline.core.testing.TempLake;
import io.treeline.core.testing.TestSpark;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The inference log's own Parquet writer against Kernel's, on the same records: same file schema, same rows, same Delta statistics. */
class InferenceLogFileTest {
  private static final TempLake LAKE = new TempLake();
  private static final SparkSession SPARK = TestSpark.session();

  @AfterAll
  static void cleanUp() {
    LAKE.close();
  }

  @Test
  void writes_the_file_kernel_writes_for_the_same_records_with_the_same_statistics() throws Exception {
    Configuration hadoop = new Configuration();
    List<InferenceRecord> records = records();
    List<Column> statsColumns = new ArrayList<>();
    for (StructField field : InferenceParquetFile.PHYSICAL.fields()) {
      statsColumns.add(new Column(field.getName()));
    }

    DataFileStatus ours = ourWrite(hadoop, LAKE.root().resolve("ours").toString(), records, statsColumns);
    DataFileStatus kernels = kernelWrite(hadoop, LAKE.root().resolve("kernel").toString(), records, statsColumns);

    assertThat(schema(hadoop, ours)).isEqualTo(schema(hadoop, kernels));
    // after Kernel's writer built its own Parquet settings in this JVM, as a checkpoint does in the server
    assertThat(encodings(hadoop, ourWrite(hadoop, LAKE.root().resolve("ours-again").toString(), records, statsColumns)))
        .as("unique per row, so no dictionary").doesNotContainKeys("request_id", "request", "logged_at", "latency_ms")
        .containsKeys("features.list.element.name", "model_name");
    assertThat(ours.getStatistics()).isEqualTo(kernels.getStatistics());
    assertThat(ours.getStatistics().orElseThrow().serializeAsJson(InferenceParquetFile.PHYSICAL))
        .isEqualTo(kernels.getStatistics().orElseThrow().serializeAsJson(InferenceParquetFile.PHYSICAL))
        .contains("\"numRecords\":" + records.size());
    assertThat(rows(ours)).isEqualTo(rows(kernels)).hasSize(records.size());
    assertThat(rows(ours)).anySatisfy(row -> assertThat(row).contains("{\"origin\":\"Zürich \\\"ZRH\\\" \uD83D\uDEEB\",\"gate\":null,\"nested\":{\"seats\":[1,2]}}"));
  }

  @Test
  void a_table_appended_through_kernels_writer_reads_back_the_same() throws Exception {
    String own = LAKE.root().resolve("own-table").toString();
    String kernel = LAKE.root().resolve("kernel-table").toString();
    new DeltaKernelAppender(own, new Configuration()).append(records());
    new DeltaKernelAppender(kernel, new Configuration(), false).append(records());

    List<String> ownRows = SPARK.read().format("delta").load(own).orderBy("request_id").collectAsList().stream().map(Row::toString).toList();
    assertThat(ownRows).hasSize(records().size())
        .isEqualTo(SPARK.read().format("delta").load(kernel).orderBy("request_id").collectAsList().stream().map(Row::toString).toList());
    assertThat(SPARK.sql("SELECT count(*) FROM delta.`" + own + "` WHERE logged_at >= TIMESTAMP'2026-01-01 00:00:00Z'").first().getLong(0))
        .as("data skipping by the file statistics keeps what matches").isEqualTo(3);
  }

  /**
   * The features column is encoded by hand (FeatureColumns): over several pages, with lists of every length, nulls in every
   * field, extreme numbers and times, and a text leaf too varied for a dictionary, Spark's vectorized and parquet-mr's readers
   * read what Kernel's writer wrote for the same records.
   */
  @Test
  void features_over_several_pages_read_back_as_kernels_writer_wrote_them() throws Exception {
    Configuration hadoop = new Configuration();
    double[] numbers = {0.0, -0.0, Double.NaN, 1e16, 1.0, Double.MAX_VALUE, -Double.MIN_VALUE, 9.223372036854776E18};
    Instant[] times = {Instant.EPOCH, Instant.parse("2001-06-30T23:59:59.999999Z"), Instant.parse("1969-12-31T23:59:59.000001Z"),
        Instant.parse("9999-12-31T23:59:59Z")};
    List<InferenceRecord> records = new ArrayList<>();
    java.util.Random random = new java.util.Random(17);
    for (int i = 0; i < 2 * FeatureColumns.PAGE_ROWS + 321; i++) {
      List<InferenceRecord.Feature> features = new ArrayList<>();
      for (int f = 0, n = i % 7 == 0 ? 0 : random.nextInt(6); f < n; f++) {
        features.add(new InferenceRecord.Feature("feature_" + f, f % 3 == 0 ? null : "view_" + f % 2,
            random.nextInt(10) == 0 ? null : f % 2 == 0 ? "online_store" : "missing",
            random.nextInt(4) == 0 ? null : numbers[random.nextInt(numbers.length)],
            random.nextInt(3) == 0 ? null : "text of feature " + f + " in row " + i + (f == 4 ? " \uD83D\uDEEB Zürich" : ""),
            random.nextInt(3) == 0 ? null : times[random.nextInt(times.length)]));
      }
      records.add(new InferenceRecord(String.format("r-%06d", i), 0, 1_700_000_000_000_000L + i, InferenceRecord.ONLINE, "/v1", "delay", "delay",
          3, "run-1", null, features, 1.0, 0.5, 1.5, "host:1", "champion"));
    }
    DataFileStatus ours = ourWrite(hadoop, LAKE.root().resolve("pages-ours").toString(), records, List.of());
    DataFileStatus kernels = kernelWrite(hadoop, LAKE.root().resolve("pages-kernel").toString(), records, List.of());

    assertThat(encodings(hadoop, ours)).containsKeys("features.list.element.name", "features.list.element.view", "features.list.element.source",
        "features.list.element.number", "features.list.element.feature_time")
        .as("about 2 MB of distinct strings: PLAIN, as parquet-mr falls back").doesNotContainKey("features.list.element.text");
    assertThat(rows(ours)).hasSize(records.size()).isEqualTo(rows(kernels));
    InferenceParquetFile.Writing plain = new InferenceParquetFile(hadoop, 16, ParquetWriter.DEFAULT_BLOCK_SIZE)
        .open(LAKE.root().resolve("pages-plain").toString());
    for (InferenceRecord record : records) {
      plain.write(record);
    }
    DataFileStatus allPlain = plain.finish(List.of());
    assertThat(encodings(hadoop, allPlain)).as("every leaf past a 16-byte dictionary").doesNotContainKeys("features.list.element.name",
        "features.list.element.number", "features.list.element.feature_time");
    assertThat(rows(allPlain)).isEqualTo(rows(kernels));
    SPARK.conf().set("spark.sql.parquet.enableVectorizedReader", "false");
    try {
      assertThat(rows(ours)).as("parquet-mr's reader").isEqualTo(rows(kernels));
    } finally {
      SPARK.conf().unset("spark.sql.parquet.enableVectorizedReader");
    }
  }

  /**
   * Row groups of 1,000 rows, each with dictionaries of its own (an id kept from the row group before would point at an
   * entry the new dictionary lacks): the same inputs row after row, moved to other positions every 1,500 rows, read back
   * as Kernel's writer wrote them.
   */
  @Test
  void inputs_over_several_row_groups_read_back_as_kernels_writer_wrote_them() throws Exception {
    Configuration hadoop = new Configuration();
    String[] names = new String[6];
    String[] views = new String[6];
    for (int f = 0; f < names.length; f++) {
      names[f] = new String("origin_delays__feature_" + f);
      views[f] = f % 2 == 0 ? new String("origin_delays") : null;
    }
    List<InferenceRecord> records = new ArrayList<>();
    for (int i = 0; i < 4_200; i++) {
      List<InferenceRecord.Feature> features = new ArrayList<>();
      for (int f = 0; f < names.length; f++) {
        int moved = (f + i / 1_500) % names.length;
        features.add(new InferenceRecord.Feature(names[moved], views[moved], moved == 5 ? "missing" : "online_store", (double) (i % 13), null,
            null));
      }
      records.add(new InferenceRecord(String.format("r-%06d", i), 0, 1_700_000_000_000_000L + i, InferenceRecord.ONLINE, "/v1", "delay", "delay",
          3, "run-1", null, features, 1.0, 0.5, 1.5, "host:1", "champion"));
    }
    InferenceParquetFile.Writing groups = new InferenceParquetFile(hadoop, FeatureColumns.DICTIONARY_BYTES, 1)
        .open(LAKE.root().resolve("groups-ours").toString());
    for (InferenceRecord record : records) {
      groups.write(record);
    }
    DataFileStatus ours = groups.finish(List.of());
    DataFileStatus kernels = kernelWrite(hadoop, LAKE.root().resolve("groups-kernel").toString(), records, List.of());

    try (ParquetFileReader reader = ParquetFileReader.open(HadoopInputFile.fromPath(new org.apache.hadoop.fs.Path(ours.getPath()), hadoop))) {
      assertThat(reader.getRowGroups()).hasSize(5);
    }
    assertThat(rows(ours)).hasSize(records.size()).isEqualTo(rows(kernels));
  }

  @Test
  void renders_requests_as_compact_utf8_json_one_after_the_other() {
    RequestJson json = new RequestJson();
    Map<String, JsonNode> request = new LinkedHashMap<>();
    request.put("origin", TextNode.valueOf("Zürich \uD83D\uDEEB"));
    request.put("distance", JsonNodeFactory.instance.numberNode(302.0));

    assertThat(json.render(RequestRecord.of(request)).toStringUsingUTF8()).isEqualTo("{\"origin\":\"Zürich \uD83D\uDEEB\",\"distance\":302.0}");
    // lossless where a String's UTF-8 encoding made it '?' (the log wrote that before it rendered into bytes)
    assertThat(json.render(RequestRecord.of(Map.of("note", TextNode.valueOf("half \uD83D")))).toStringUsingUTF8())
        .isEqualTo("{\"note\":\"half \\uD83D\"}");
    assertThat(json.render(RequestRecord.of(Map.of())).toStringUsingUTF8()).isEqualTo("{}");
  }

  @Test
  void a_record_logged_as_received_renders_as_the_parsed_one_does() throws Exception {
    RequestJson json = new RequestJson();
    ObjectMapper mapper = new ObjectMapper();
    String[] objects = {
        "{ \"origin\" : \"Zürich \\\"ZRH\\\" \uD83D\uDEEB\",\n \"distance\": 302.50 }",
        "{\"distance\":1e3,\"zero\":-0.0,\"big\":9223372036854775807,\"small\":-12,\"tiny\":4.9E-324,\"escaped\":\"\\u00e9\\n\\t\"}",
        "{\"departure\":\"2001-06-01T07:05:00\",\"huge\":1.7976931348623157E308}",
        "{\"beyond\":1e400,\"bigger\":123456789012345678901234567890,\"nested\":{\"a\":[1,-0,2.50,{\"b\":null}],\"t\":true,\"f\":false}}",
        "{\"twice\":1,\"other\":2,\"twice\":3}",
        "{\"inner\":{\"twice\":1,\"twice\":[2]}}",
        "{}"};
    String body = "{\"records\": [" + String.join(" , ", objects) + "]}";
    byte[] bytes = body.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    int at = 0;
    for (String object : objects) {
      byte[] objectBytes = object.getBytes(java.nio.charset.StandardCharsets.UTF_8);
      int from = indexOf(bytes, objectBytes, at);
      at = from + objectBytes.length;
      Map<String, JsonNode> parsed = new LinkedHashMap<>();
      mapper.readTree(object).properties().forEach(field -> parsed.put(field.getKey(), field.getValue()));
      String expected = json.render(RequestRecord.of(parsed)).toStringUsingUTF8();

      RequestRecord received = RequestRecord.received(bytes, from, at);
      assertThat(json.render(received).toStringUsingUTF8()).as(object).isEqualTo(expected);
      if (object.contains("twice")) {
        assertThat(json.copied(received)).as("a repeated name is left to the tree: " + object).isNull();
      } else {
        assertThat(json.copied(received).toStringUsingUTF8()).as("copied without the tree: " + object).isEqualTo(expected);
      }
      assertThat(received).isEqualTo(RequestRecord.of(parsed));
    }
    assertThatThrownBy(() -> RequestRecord.received(bytes, 5, bytes.length + 1)).isInstanceOf(IllegalArgumentException.class);
    assertThat(json.render(RequestRecord.received(bytes, 1, 10))).as("not an object: the column is null, the batch goes on").isNull();
  }

  private static int indexOf(byte[] haystack, byte[] needle, int from) {
    for (int i = from; i + needle.length <= haystack.length; i++) {
      if (java.util.Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length)) {
        return i;
      }
    }
    throw new AssertionError("not in the body");
  }

  private static DataFileStatus kernelWrite(Configuration hadoop, String directory, List<InferenceRecord> records, List<Column> statsColumns)
      throws Exception {
    ColumnarBatch logical = RecordColumns.of(records);
    ColumnarBatch physical = logical.withDeletedColumnAt(InferenceLogSchema.TABLE.indexOf(InferenceLogSchema.PARTITION_COLUMN));
    Iterator batches = new Iterator(new FilteredColumnarBatch(physical, Optional.empty()));
    try (CloseableIterator<DataFileStatus> files = DefaultEngine.create(hadoop).getParquetHandler()
        .writeParquetFiles(directory, batches, statsColumns)) {
      return files.next();
    }
  }

  private static MessageType schema(Configuration hadoop, DataFileStatus file) throws Exception {
    try (ParquetFileReader reader = ParquetFileReader.open(HadoopInputFile.fromPath(new org.apache.hadoop.fs.Path(file.getPath()), hadoop))) {
      return reader.getFooter().getFileMetaData().getSchema();
    }
  }

  /** The columns written with a dictionary, and their encodings. */
  private static Map<String, String> encodings(Configuration hadoop, DataFileStatus file) throws Exception {
    Map<String, String> dictionaries = new java.util.TreeMap<>();
    try (ParquetFileReader reader = ParquetFileReader.open(HadoopInputFile.fromPath(new org.apache.hadoop.fs.Path(file.getPath()), hadoop))) {
      for (var chunk : reader.getFooter().getBlocks().get(0).getColumns()) {
        if (chunk.hasDictionaryPage()) {
          dictionaries.put(chunk.getPath().toDotString(), chunk.getEncodings().toString());
        }
      }
    }
    return dictionaries;
  }

  /** Every row as Spark reads it, in the records' order. */
  private static List<String> rows(DataFileStatus file) {
    return SPARK.read().parquet(file.getPath()).orderBy("request_id").collectAsList().stream().map(Row::toString).toList();
  }

  /** Records that exercise every kind of value: nulls of each column, an empty features list, a request JSON with escapes and emoji. */
  private static List<InferenceRecord> records() {
    List<InferenceRecord> records = new ArrayList<>(Records.many("a", 3, Instant.parse("2026-03-01T12:00:00.123456Z"), "host:1"));
    Map<String, JsonNode> request = new LinkedHashMap<>();
    request.put("origin", TextNode.valueOf("Zürich \"ZRH\" \uD83D\uDEEB"));
    request.put("gate", NullNode.getInstance());
    request.put("nested", JsonNodeFactory.instance.objectNode().set("seats", JsonNodeFactory.instance.arrayNode().add(IntNode.valueOf(1)).add(2)));
    records.add(1, new InferenceRecord("a-00", 1, 1_700_000_000_000_000L, InferenceRecord.BATCH, null, "delay", "delay", 4, null,
        RequestRecord.of(request),
        List.of(), 1.0, null, null, "score-job", null));
    records.add(new InferenceRecord(null, 0, 1_700_000_000_000_001L, InferenceRecord.ONLINE, "/invocations", "delay", "delay", 4, "run-2",
        null, List.of(new InferenceRecord.Feature("origin", null, "missing", null, null, null)), Double.NaN, 0.5, 0.1, "host:2", "challenger"));
    return records;
  }

  private static final class Iterator implements CloseableIterator<FilteredColumnarBatch> {
    private FilteredColumnarBatch next;

    Iterator(FilteredColumnarBatch only) {
      this.next = only;
    }

    @Override
    public boolean hasNext() {
      return next != null;
    }

    @Override
    public FilteredColumnarBatch next() {
      FilteredColumnarBatch batch = next;
      next = null;
      return batch;
    }

    @Override
    public void close() {}
  }

  /** One file of {@code records}, added one at a time as the log's writer adds them. */
  private static DataFileStatus ourWrite(Configuration hadoop, String directory, List<InferenceRecord> records, List<Column> statsColumns)
      throws java.io.IOException {
    InferenceParquetFile.Writing file = new InferenceParquetFile(hadoop).open(directory);
    for (InferenceRecord record : records) {
      file.write(record);
    }
    return file.finish(statsColumns);
  }
}
