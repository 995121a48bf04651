package io.treeline.serving.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.treeline.modelpackage.Decision;
import io.treeline.modelpackage.ModelManifest;
import io.treeline.modelpackage.ModelManifest.FeatureViewDependency;
import io.treeline.modelpackage.ModelManifest.Kind;
import io.treeline.modelpackage.ModelManifest.RequestFeature;
import io.treeline.modelpackage.ModelManifest.TrainingSet;
import io.treeline.modelpackage.compiled.PipelineSpec;
import io.treeline.modelpackage.compiled.PredictorSpec;
import io.treeline.modelpackage.compiled.StageSpec;
import io.treeline.modelpackage.compiled.TreeSpec;
import io.treeline.serving.api.ApiException;
import io.treeline.serving.inference.RequestRecord;
import io.treeline.serving.compile.CompiledPipeline;
import io.treeline.serving.request.RecordFormat;
import io.treeline.serving.request.RequestPlan;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The streaming read of a predict body against the tree path it stands in for: whatever it reads,
 * the tree path reads to equal values (Double.equals: -0.0 is not 0.0); whatever the tree path
 * refuses, it leaves to the tree path (null).
 */
class NativeRecordsTest {
  private static final int MAX_BATCH = 3;
  /** distance (a number, alias "miles"), origin and carrier (strings; origin also the view's key), hour(departure) (a timestamp). */
  private static final RequestPlan PLAN = plan();

  private static RequestPlan plan() {
    String looked = "delays__avg_delay";
    PipelineSpec spec = new PipelineSpec(List.of(
        new StageSpec.StringIndexer(new String[] {"origin", "carrier"}, new String[] {"origin_idx", "carrier_idx"},
            new String[][] {{"SFO", "ORD"}, {"AA", "UA"}}, "keep"),
        new StageSpec.VectorAssembler(new String[] {"distance", "hour", looked, "origin_idx", "carrier_idx"}, "features", "keep")),
        new PredictorSpec(PredictorSpec.Kind.TREE_REGRESSOR, "features", 5, 0, null, new double[] {1.0},
            List.of(new TreeSpec(List.of(new TreeSpec.Leaf(7.0, new double[] {1.0}))))));
    ModelManifest manifest = new ModelManifest("p", "run", "m", "regressor", 0.5, "delay", "departure",
        List.of(new FeatureViewDependency("delays", "features.delays", List.of("origin"), List.of("avg_delay"))),
        List.of(new RequestFeature("distance", Kind.NUMERIC, null), new RequestFeature("origin", Kind.CATEGORICAL, null),
            new RequestFeature("carrier", Kind.CATEGORICAL, null), new RequestFeature("hour", Kind.NUMERIC, "hour(departure)")),
        Map.of("miles", "distance"), List.of(), new TrainingSet("t", 1L), Map.of(), Map.of(), Map.of(), Instant.EPOCH);
    return RequestPlan.of(manifest, CompiledPipeline.compile(spec, Decision.DEFAULT));
  }

  private static final String RECORD = "{\"distance\": 337, \"origin\": \"SFO\", \"carrier\": \"AA\", \"departure\": \"2001-06-15T08:30:00\"}";

  private static String body(String... records) {
    return "{\"records\": [" + String.join(", ", records) + "]}";
  }

  private static String record(String distance) {
    return RECORD.replace("337", distance);
  }

  /** The body read both ways: equal values where the streaming read succeeds; the streaming read's answer. */
  private static List<Object[]> compared(String body) {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    return compared(bytes);
  }

  private static List<Object[]> compared(byte[] bytes) {
    byte[] padded = Arrays.copyOf(bytes, bytes.length + 7); // the thread's buffer is longer than the body
    Arrays.fill(padded, bytes.length, padded.length, (byte) '}');
    NativeRecords.Read read = NativeRecords.read(padded, bytes.length, PLAN, MAX_BATCH, true);
    assertThat(NativeRecords.read(padded, bytes.length, PLAN, MAX_BATCH, false) == null).isEqualTo(read == null);
    List<Object[]> streamed = read == null ? null : read.rows();
    List<Map<String, JsonNode>> records = treeRecords(bytes);
    List<Object[]> tree = records == null ? null : tree(records);
    if (streamed != null) {
      String text = new String(bytes, StandardCharsets.UTF_8);
      assertThat(tree).as("the tree path refuses %s", text).isNotNull();
      assertThat(streamed).hasSameSizeAs(tree);
      for (int i = 0; i < tree.size(); i++) {
        assertThat(Arrays.equals(streamed.get(i), tree.get(i))).as("%s: %s against %s", text, Arrays.toString(streamed.get(i)),
            Arrays.toString(tree.get(i))).isTrue();
        // what the inference log and the shadows read again later: the record exactly as the tree path holds it
        assertThat(RequestRecord.received(padded, read.starts()[i], read.ends()[i]).fields()).as("%s: record %d's span", text, i)
            .isEqualTo(records.get(i));
      }
    }
    return streamed;
  }

  /** The records as the native route reads them as a tree, or null where it refuses the body. */
  private static List<Map<String, JsonNode>> treeRecords(byte[] bytes) {
    try {
      return NativeApi.records(Bodies.json(bytes), MAX_BATCH);
    } catch (ApiException e) {
      return null;
    }
  }

  /** The values as the native route read them before the streaming read, or null where it refused a record. */
  private static List<Object[]> tree(List<Map<String, JsonNode>> records) {
    try {
      List<Object[]> rows = new ArrayList<>();
      for (int i = 0; i < records.size(); i++) {
        rows.add(PLAN.read(records.get(i), "records[" + i + "]", RecordFormat.JSON));
      }
      return rows;
    } catch (ApiException e) {
      return null;
    }
  }

  @Test
  void reads_ordinary_records_to_the_values_the_tree_path_reads() {
    List<String> bodies = List.of(body(RECORD), body(RECORD, RECORD, RECORD), body(record("337.25")), body(record("-0.0")),
        body(record("-0")), body(record("0")), body(record("1e3")), body(record("-1.5E-300")), body(record("4.9e-324")),
        body(record("1.7976931348623157e308")), body(record("9223372036854775807")), body(record("-9223372036854775808")),
        body(record("123456789012")), body(record("0.1")), body(record("3.141592653589793238462643383279")),
        body(RECORD.replace("\"SFO\"", "\"S\\u0046O\"")), body(RECORD.replace("\"AA\"", "\"\\u00e9\\ud83d\\ude00 \\\"\\\\/\\n\"")),
        body(RECORD.replace("\"AA\"", "\"éü中\"")), body(RECORD.replace("\"AA\"", "\"\\ud83d\"")), // a lone surrogate: Jackson takes it either way
        body(RECORD.replace("\"distance\"", "\"miles\"")),
        body(RECORD.replace("2001-06-15T08:30:00", "2001-06-15")), body(RECORD.replace("2001-06-15T08:30:00", " 2001-06-15 08:30 ")),
        " \n" + body(RECORD) + "\n ", "{\"records\":[" + RECORD.replace(" ", "") + "]}",
        body("{\"origin\": \"ORD\", \"carrier\": \"UA\", \"departure\": \"2001-06-15T23:59:59\", \"distance\": 1}"),
        body(RECORD.replace("\"distance\": 337, ", "\"distance\": 337, \"delays__avg_delay\": 12.5, ")));
    for (String body : bodies) {
      assertThat(compared(body)).as(body).isNotNull();
    }
  }

  @Test
  void leaves_everything_the_tree_path_might_refuse_to_it() {
    List<String> bodies = List.of("", " ", "{}", "[]", "null", "{\"records\": []}", "{\"records\": {}}", "{\"records\": null}",
        body(RECORD, RECORD, RECORD, RECORD), body(RECORD) + " {}", body(RECORD) + "x", body(RECORD).replace("]}", "]"),
        body(RECORD).replace("]}", "]}}"), "{\"records\": [" + RECORD + "], \"extra\": 1}", "{\"extra\": 1, \"records\": [" + RECORD + "]}",
        "{\"records\": [" + RECORD + "], \"records\": [" + RECORD + "]}", body("[]"), body("1"), body("null"), body(RECORD, "7"),
        body(record("null")), body(record("\"337\"")), body(record("true")), body(record("NaN")), body(record("Infinity")),
        body(record("-Infinity")), body(record("1e400")), body(record("-1e400")), body(record("[337]")), body(record("{\"v\": 337}")),
        body(record("12345678901234567890123")), body(record("1" + "0".repeat(120))), body(record("0x10")), body(record("01")),
        body(record("1.")), body(record(".5")), body(record("+1")),
        body(RECORD.replace("\"SFO\"", "7")), body(RECORD.replace("\"SFO\"", "null")), body(RECORD.replace("\"SFO\"", "[\"SFO\"]")),
        body(RECORD.replace("\"distance\"", "\"distanc\"")), body(RECORD.replace("\"distance\"", "\"Distance\"")),
        body(RECORD.replace("\"carrier\": \"AA\", ", "")), body(RECORD.replace("\"origin\": \"SFO\", ", "")),
        body(RECORD.replace(", \"departure\": \"2001-06-15T08:30:00\"", "")),
        body(RECORD.replace("\"distance\": 337, ", "\"distance\": 337, \"miles\": 337, ")),
        body(RECORD.replace("\"distance\": 337, ", "\"distance\": 337, \"distance\": 338, ")),
        body(RECORD.replace("\"distance\": 337, ", "\"distance\": 337, \"unknown\": {\"a\": [1, {\"b\": null}]}, ")),
        body(RECORD.replace("\"distance\": 337, ", "\"distance\": 337, \"delays__avg_delay\": null, ")),
        body(RECORD.replace("2001-06-15T08:30:00", "2001-06-15T08:30:00Z")), body(RECORD.replace("2001-06-15T08:30:00", "yesterday")),
        body(RECORD.replace("2001-06-15T08:30:00", "2001-06-15\\u0000")),
        body(RECORD.replace("\"AA\"", "'AA'")), body(RECORD).replace("\"records\"", "records"), body(RECORD.replace(", \"carrier\"", " \"carrier\"")),
        body(RECORD.replace("}", ",}")), body(RECORD).replace("]}", ",]}"), "{\"records\": [" + "[".repeat(100) + "]".repeat(100) + "]}",
        "{\"records\": [" + RECORD.replace("\"origin\"", "\"" + "o".repeat(2000) + "\"") + "]}");
    for (String body : bodies) {
      assertThat(compared(body)).as(body).isNull();
    }
  }

  @Test
  void leaves_bytes_that_are_not_utf8_to_the_tree_path() {
    byte[] overlong = body(RECORD.replace("SFO", "S__")).getBytes(StandardCharsets.UTF_8);
    int at = new String(overlong, StandardCharsets.UTF_8).indexOf("S__") + 1;
    overlong[at] = (byte) 0xC0; // C0 AF: an overlong "/", which Jackson would read as one
    overlong[at + 1] = (byte) 0xAF;
    assertThat(compared(overlong)).isNull();
    byte[] truncated = body(RECORD.replace("SFO", "S_")).getBytes(StandardCharsets.UTF_8);
    truncated[new String(truncated, StandardCharsets.UTF_8).indexOf("S_") + 1] = (byte) 0xE2;
    assertThat(compared(truncated)).isNull();
  }
}
