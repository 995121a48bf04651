package io.treeline.serving.inference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Inference records for the log's tests, as the server builds them (a looked-up, a derived and a missing input). */
final class Records {
  private Records() {}

  static InferenceRecord record(String requestId, int index, Instant at, String server) {
    long micros = ChronoUnit.MICROS.between(Instant.EPOCH, at);
    // ordered as the server's parsed request is (Map.of's order changes from JVM to JVM)
    Map<String, JsonNode> request = new LinkedHashMap<>();
    request.put("origin", TextNode.valueOf("SFO"));
    request.put("distance", DoubleNode.valueOf(300 + index));
    List<InferenceRecord.Feature> features = List.of(
        new InferenceRecord.Feature("origin", null, "request", null, "SFO", null),
        new InferenceRecord.Feature("distance", null, "request", 300.0 + index, null, null),
        new InferenceRecord.Feature("origin_delays__avg_delay_24h", "origin_delays", "online_store", 12.5, null,
            Instant.parse("2001-06-01T00:00:00Z")),
        new InferenceRecord.Feature("departure_hour", null, "derived", 7.0, null, null),
        new InferenceRecord.Feature("route_delays__avg_delay_7d", "route_delays", "missing", null, null, null));
    return new InferenceRecord(requestId, index, micros, InferenceRecord.ONLINE, "/v1/models/{name}/predict", "delay", "delay", 3, "run-1",
        RequestRecord.of(request), features, index % 2, 0.25 + index % 2 * 0.5, 1.5, server, requestId.endsWith("-0") ? null : "champion");
  }

  static List<InferenceRecord> many(String prefix, int count, Instant at, String server) {
    return java.util.stream.IntStream.range(0, count).mapToObj(i -> record(prefix + "-" + i, 0, at.plusMillis(i), server)).toList();
  }
}
