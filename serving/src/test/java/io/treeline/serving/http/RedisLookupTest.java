package io.treeline.serving.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.treeline.featurestore.online.RedisOnlineStore;
import io.treeline.featurestore.online.RedisServer;
import io.treeline.serving.ServingApp;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The same lookups from a real Redis as from the embedded store: same values, same predictions. */
class RedisLookupTest {
  @Test
  void predictions_and_looked_up_values_from_redis_equal_the_embedded_stores() throws Exception {
    ServingFixture fixture = ServingFixture.get();
    List<Map<String, Object>> records = List.of(
        TestClient.record("origin", "ORD", "destination", "ATL", "departure", "2001-03-02T17:45:00", "distance", 606.0),
        TestClient.record("origin", "LAX", "destination", "SFO", "departure", "2001-03-04 07:05", "distance", 337.0),
        TestClient.record("origin", "DTW", "destination", "DEN", "departure", "2001-03-05", "distance", 1123.0),
        TestClient.record("origin", "ZZZ", "destination", "DEN", "departure", "2001-03-05T10:00:00", "distance", 500.0));
    Map<String, Object> body = Map.of("records", records);
    JsonNode embedded;
    try (ServingApp app = fixture.serve(ServingFixture.options(), "delay@champion")) {
      embedded = new TestClient(app.baseUrl()).postJson("/v1/models/delay/predict?explain=true", body).json();
    }
    try (RedisServer redis = RedisServer.start();
        RedisOnlineStore store = new RedisOnlineStore(redis.url(), Duration.ZERO)) {
      fixture.online.forEach(store::write);
      try (ServingApp app = fixture.serve(ServingFixture.options(), store, "redis", "delay@champion")) {
        TestClient client = new TestClient(app.baseUrl());
        JsonNode fromRedis = client.postJson("/v1/models/delay/predict?explain=true", body).json();
        assertThat(fromRedis.get("predictions")).isEqualTo(embedded.get("predictions"));
        assertThat(fromRedis.get("predictions").get(0).get("features").get("route_delays__avg_delay_7d").get("source").asText())
            .isEqualTo("online_store");
        assertThat(fromRedis.get("predictions").get(3).get("features").get("origin_delays__avg_delay_24h").get("source").asText())
            .isEqualTo("missing");
        assertThat(client.get("/metrics").body()).contains("treeline_online_store_read_seconds_count{store=\"redis\"} 1");

        // Redis goes away: the server answers 503 (retry), not an error of the client's; when it is back, the same answers.
        redis.close();
        TestClient.Answer refused = client.postJson("/v1/models/delay/predict", body);
        assertThat(refused.status()).isEqualTo(503);
        assertThat(refused.body()).contains("the online store cannot be read right now: retry shortly");
        try (RedisServer again = RedisServer.start(redis.port())) {
          fixture.online.forEach(store::write);
          Thread.sleep(600); // past the reader's pause between attempts to connect
          assertThat(client.postJson("/v1/models/delay/predict?explain=true", body).json().get("predictions")).isEqualTo(embedded.get("predictions"));
        }
      }
    }
  }
}
