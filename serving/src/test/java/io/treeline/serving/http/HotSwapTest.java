package io.treeline.serving.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.treeline.serving.ServingApp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/** Moving an alias under load: the server swaps versions with no failed request and never goes back. */
class HotSwapTest {
  private static final String RECORD = "{\"records\":[{\"origin\":\"SFO\",\"destination\":\"LAX\",\"departure\":\"2001-06-15T08:30:00\",\"distance\":337}]}";

  @Test
  void swaps_versions_atomically_while_requests_run_and_keeps_serving_when_a_version_fails_to_load() throws Exception {
    ServingFixture fixture = ServingFixture.get();
    String model = "swap-" + Long.toHexString(System.nanoTime());
    // Versions registered up front, so that under load only the alias moves (one MERGE each).
    List<Long> good = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      good.add(fixture.register(model, fixture.classifier, "random_forest_classifier").version());
    }
    long broken = fixture.register(model, fixture.classifier, "random_forest_classifier", "upper(departure_time)").version();
    fixture.registry.setAlias(model, "champion", good.get(0));
    ServerOptions options = ServingFixture.options().withPollInterval(Duration.ofMillis(200));
    try (ServingApp app = fixture.serve(options, model + "@champion")) {
      TestClient client = new TestClient(app.baseUrl());
      AtomicBoolean running = new AtomicBoolean(true);
      ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
      List<List<Long>> seen = new ArrayList<>();
      List<Thread> clients = new ArrayList<>();
      for (int t = 0; t < 3; t++) {
        List<Long> versions = new ArrayList<>();
        seen.add(versions);
        Thread thread = new Thread(() -> {
          while (running.get()) {
            TestClient.Answer answer = client.post("/v1/models/" + model + "/predict", "application/json", RECORD);
            if (answer.status() != 200 || !answer.json().has("version")) {
              failures.add(answer.status() + " " + answer.body());
            } else {
              versions.add(answer.json().get("version").asLong());
            }
            LockSupport.parkNanos(1_000_000); // leave the two cores some room for the loads
          }
        });
        thread.start();
        clients.add(thread);
      }

      for (long version : good.subList(1, 4)) {
        fixture.registry.setAlias(model, "champion", version);
        awaitVersion(client, model, version);
      }
      fixture.registry.setAlias(model, "champion", broken);
      awaitMetric(client, "treeline_model_load_failures_total{model=\"" + model + "\"}");
      assertThat(servedVersion(client, model)).as("a version that fails to load leaves the old one serving").isEqualTo(good.get(3));
      long last = good.get(4);
      fixture.registry.setAlias(model, "champion", last);
      awaitVersion(client, model, last);
      TimeUnit.MILLISECONDS.sleep(300);

      running.set(false);
      for (Thread thread : clients) {
        thread.join();
      }
      assertThat(failures).as("failed requests during the swaps").isEmpty();
      for (List<Long> versions : seen) {
        assertThat(versions).isNotEmpty().isSorted();
        assertThat(versions.get(versions.size() - 1)).isEqualTo(last);
      }
      assertThat(seen.stream().flatMap(List::stream).distinct().count()).as("versions the clients saw").isGreaterThanOrEqualTo(3);
    }
  }

  private static long servedVersion(TestClient client, String model) {
    return client.get("/ready").json().get("models").get(model).get("version").asLong();
  }

  private static void awaitVersion(TestClient client, String model, long version) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (servedVersion(client, model) != version) {
      assertThat(System.nanoTime()).as("version %d served within a minute", version).isLessThan(deadline);
      TimeUnit.MILLISECONDS.sleep(50);
    }
  }

  private static void awaitMetric(TestClient client, String series) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!client.get("/metrics").body().contains(series + " 1")) {
      assertThat(System.nanoTime()).as("%s reported within a minute", series).isLessThan(deadline);
      TimeUnit.MILLISECONDS.sleep(50);
    }
  }
}
