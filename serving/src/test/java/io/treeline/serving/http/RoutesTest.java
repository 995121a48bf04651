package io.treeline.serving.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.treeline.core.lake.TableName;
import io.treeline.serving.ServingApp;
import io.treeline.serving.inference.DeltaKernelAppender;
import io.treeline.serving.inference.InferenceLogSettings;
import io.treeline.serving.model.ModelHost;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/** Routes (weighted, sticky arms that follow their aliases) and shadows (scored after the answer, never in it). */
class RoutesTest {
  private static final String RECORD = "{\"records\":[{\"origin\":\"SFO\",\"destination\":\"LAX\",\"departure\":\"2001-06-15T08:30:00\",\"distance\":337}]}";

  private static String shared;

  /** The model of the tests that move no alias: champion version 1, challenger version 2 (a different forest). Registered once. */
  private static synchronized String twoVersions(ServingFixture fixture) {
    if (shared == null) {
      shared = twoVersions(fixture, "routes");
    }
    return shared;
  }

  /** A model with a champion (version 1) and a challenger (version 2, a different forest) of its own, so no other test moves them. */
  private static String twoVersions(ServingFixture fixture, String prefix) {
    String model = prefix + "-" + Long.toHexString(System.nanoTime());
    fixture.registry.setAlias(model, "champion", fixture.register(model, fixture.classifier, "random_forest_classifier").version());
    fixture.registry.setAlias(model, "challenger", fixture.register(model, fixture.challengerClassifier(), "random_forest_classifier").version());
    return model;
  }

  @Test
  void a_90_10_split_lands_within_binomial_bounds_and_a_key_keeps_its_arm() throws Exception {
    ServingFixture fixture = ServingFixture.get();
    String model = twoVersions(fixture);
    ServerOptions options = ServingFixture.options().withRouting(new ServerOptions.Routing(RouteKey.parse("header:X-Caller-Id"), 1, 100));
    try (ServingApp app = fixture.serve(options, List.of(ModelHost.Served.route(model + "=champion:90,challenger:10")))) {
      TestClient client = new TestClient(app.baseUrl());
      String path = "/v1/models/" + model + "/predict";
      int n = 20_000;
      Map<String, AtomicInteger> arms = new ConcurrentHashMap<>();
      ConcurrentLinkedQueue<String> wrong = new ConcurrentLinkedQueue<>();
      ExecutorService pool = Executors.newFixedThreadPool(4);
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        done.add(pool.submit(() -> {
          for (int i = 0; i < n / 4; i++) {
            TestClient.Answer answer = post(client, path);
            JsonNode body = answer.json();
            String arm = answer.raw().headers().firstValue("X-Treeline-Arm").orElse("none");
            long expected = arm.equals("champion") ? 1 : 2;
            if (answer.status() != 200 || !arm.equals(body.path("arm").asText()) || body.path("version").asLong() != expected) {
              wrong.add(answer.status() + " " + arm + " " + answer.body());
            }
            arms.computeIfAbsent(arm, a -> new AtomicInteger()).incrementAndGet();
          }
        }));
      }
      for (Future<?> f : done) {
        f.get(5, TimeUnit.MINUTES);
      }
      pool.shutdown();
      assertThat(wrong).as("answers that do not name the arm and version they came from").isEmpty();
      assertThat(arms.keySet()).containsExactlyInAnyOrder("champion", "challenger");
      // 99.9% two-sided binomial bounds: 3.29 standard deviations of Binomial(20,000, 0.1) around 2,000.
      double sd = Math.sqrt(n * 0.1 * 0.9);
      assertThat((double) arms.get("challenger").get()).isBetween(n * 0.1 - 3.29 * sd, n * 0.1 + 3.29 * sd);

      Map<String, String> first = new HashMap<>();
      int challengers = 0;
      for (int round = 0; round < 3; round++) {
        for (int caller = 0; caller < 300; caller++) {
          String arm = client.post(path, "application/json", RECORD, "X-Caller-Id", "caller-" + caller).raw().headers().firstValue("X-Treeline-Arm")
              .orElseThrow();
          String before = first.putIfAbsent("caller-" + caller, arm);
          assertThat(before == null ? arm : before).as("caller-" + caller + " in round " + round).isEqualTo(arm);
          challengers += round == 0 && arm.equals("challenger") ? 1 : 0;
        }
      }
      assertThat(challengers).as("callers on the challenger: keyed assignment follows the weights too").isBetween(10, 60);

      String metrics = client.get("/metrics").body();
      assertThat(metrics).contains("treeline_predictions_total{model=\"" + model + "\",version=\"2\",arm=\"challenger\"}")
          .contains("treeline_model_version{model=\"" + model + "\",arm=\"challenger\"} 2");
      JsonNode ready = client.get("/ready").json().get("models").get(model).get("arms");
      assertThat(ready.get(1).get("arm").asText()).isEqualTo("challenger");
      assertThat(ready.get(1).get("weight").asInt()).isEqualTo(10);
    }
  }

  @Test
  void moving_one_arms_alias_under_load_fails_no_request() throws Exception {
    ServingFixture fixture = ServingFixture.get();
    String model = twoVersions(fixture, "swap-arm");
    long third = fixture.register(model, fixture.classifier, "random_forest_classifier").version();
    ServerOptions options = ServingFixture.options().withPollInterval(Duration.ofMillis(200));
    try (ServingApp app = fixture.serve(options, List.of(ModelHost.Served.route(model + "=champion:50,challenger:50")))) {
      TestClient client = new TestClient(app.baseUrl());
      AtomicBoolean running = new AtomicBoolean(true);
      ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
      List<Thread> clients = new ArrayList<>();
      for (int t = 0; t < 2; t++) {
        Thread thread = new Thread(() -> {
          while (running.get()) {
            TestClient.Answer answer = post(client, "/v1/models/" + model + "/predict");
            if (answer.status() != 200) {
              failures.add(answer.status() + " " + answer.body());
            }
          }
        });
        thread.start();
        clients.add(thread);
      }
      fixture.registry.setAlias(model, "challenger", third);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (!client.get("/metrics").body().contains("treeline_model_version{model=\"" + model + "\",arm=\"challenger\"} " + third)) {
        assertThat(System.nanoTime()).as("the challenger arm moved to version " + third).isLessThan(deadline);
        TimeUnit.MILLISECONDS.sleep(100);
      }
      TimeUnit.MILLISECONDS.sleep(300);
      running.set(false);
      for (Thread thread : clients) {
        thread.join();
      }
      assertThat(failures).as("failed requests while an arm moved").isEmpty();
      assertThat(client.get("/metrics").body()).as("the other arm stayed").contains("treeline_model_version{model=\"" + model + "\",arm=\"champion\"} 1");
    }
  }

  @Test
  void a_shadow_scores_every_answered_record_beside_the_answer_and_the_log_holds_both() throws Exception {
    ServingFixture fixture = ServingFixture.get();
    String model = twoVersions(fixture);
    String location = fixture.lake.layout().table(new TableName("monitoring", "shadow_log_" + Long.toHexString(System.nanoTime())));
    InferenceLogSettings log = InferenceLogSettings.to(new DeltaKernelAppender(location, fixture.spark.sparkContext().hadoopConfiguration()))
        .withBatching(10_000, 1_000, Duration.ofMillis(200)).withServer("shadow-test");
    List<ModelHost.Served> served = ModelHost.Served.of(List.of(model + "=" + model + "@champion", "alone=" + model + "@champion",
        "direct=" + model + "@challenger"), List.of(), List.of(model + "=challenger"));
    List<Row> flights = fixture.rows.select("origin", "destination", "distance", "departure_time").limit(25).collectAsList();
    Map<String, Double> shadowExpected = new HashMap<>();
    ServingApp app = fixture.serve(ServingFixture.options().withInferenceLog(log), served);
    try {
      TestClient client = new TestClient(app.baseUrl());
      for (int i = 0; i < flights.size(); i++) {
        Row f = flights.get(i);
        Map<String, Object> body = Map.of("records", List.of(TestClient.record("origin", f.getString(0), "destination", f.getString(1),
            "distance", f.getDouble(2), "departure", f.get(3).toString())));
        JsonNode answered = client.postJson("/v1/models/" + model + "/predict", body, "X-Request-Id", "shadowed-" + i).json();
        JsonNode alone = client.postJson("/v1/models/alone/predict", body).json();
        assertThat(answered.get("predictions")).as("the answer with a shadow is the champion's alone").isEqualTo(alone.get("predictions"));
        assertThat(answered.get("arm").asText()).isEqualTo("champion");
        shadowExpected.put("shadowed-" + i, client.postJson("/v1/models/direct/predict", body).json().get("predictions").get(0).get("probability").asDouble());
      }
      awaitMetric(client, "treeline_shadow_predictions_total{model=\"" + model + "\",arm=\"challenger\",outcome=\"scored\"} " + flights.size());
    } finally {
      app.close();
    }
    List<Row> rows = fixture.spark.read().format("delta").load(location).where("request_id LIKE 'shadowed-%'").collectAsList();
    assertThat(rows).hasSize(2 * flights.size());
    for (Row row : rows) {
      String origin = row.getAs("origin");
      assertThat(origin).isIn("online", "shadow");
      assertThat(row.<String>getAs("arm")).isEqualTo(origin.equals("online") ? "champion" : "challenger");
      assertThat(row.<Long>getAs("model_version")).isEqualTo(origin.equals("online") ? 1L : 2L);
      assertThat(row.<String>getAs("served_name")).isEqualTo(model);
      if (origin.equals("shadow")) {
        assertThat(row.<Double>getAs("probability")).as("the shadow's prediction is what the challenger answers directly")
            .isEqualTo(shadowExpected.get(row.<String>getAs("request_id")));
      }
    }
  }

  @Test
  void a_shadow_that_blocks_or_throws_never_reaches_a_response() throws Exception {
    ServingFixture fixture = ServingFixture.get();
    String model = twoVersions(fixture);
    List<ModelHost.Served> served = ModelHost.Served.of(List.of(model + "@champion"), List.of(), List.of(model + "=challenger"));
    ServerOptions options = ServingFixture.options().withRouting(new ServerOptions.Routing(RouteKey.RANDOM, 1, 2));
    CountDownLatch release = new CountDownLatch(1);
    AtomicBoolean fail = new AtomicBoolean();
    try (ServingApp app = fixture.serve(options, served)) {
      app.server().shadowHook(() -> {
        try {
          release.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        if (fail.get()) {
          throw new IllegalStateException("the shadow broke");
        }
      });
      TestClient client = new TestClient(app.baseUrl());
      String path = "/v1/models/" + model + "/predict";
      // The shadow thread is held: every answer still comes, the queue of two fills, and the rest are dropped and counted.
      for (int i = 0; i < 10; i++) {
        assertThat(client.post(path, "application/json", RECORD).status()).isEqualTo(200);
      }
      awaitMetric(client, "treeline_shadow_predictions_total{model=\"" + model + "\",arm=\"challenger\",outcome=\"dropped\"} 7");
      fail.set(true);
      release.countDown();
      // The held request and the two queued fail; then the queue is free again.
      awaitMetric(client, "treeline_shadow_predictions_total{model=\"" + model + "\",arm=\"challenger\",outcome=\"failed\"} 3");
      for (int i = 0; i < 5; i++) {
        assertThat(client.post(path, "application/json", RECORD).status()).isEqualTo(200);
        awaitMetric(client, "treeline_shadow_predictions_total{model=\"" + model + "\",arm=\"challenger\",outcome=\"failed\"} " + (4 + i));
      }
      assertThat(client.get("/metrics").body()).contains("treeline_shadow_predictions_total{model=\"" + model + "\",arm=\"challenger\",outcome=\"dropped\"} 7\n");
    }
  }

  @Test
  void routes_and_shadows_that_cannot_work_are_refused_naming_the_problem() {
    assertThatThrownBy(() -> ModelHost.Served.route("delay=champion:90,challenger")).hasMessageContaining("has no :WEIGHT");
    assertThatThrownBy(() -> ModelHost.Served.route("delay=champion:0,challenger:0")).hasMessageContaining("no arm has a weight above 0");
    assertThatThrownBy(() -> ModelHost.Served.route("delay=champion:50,champion:50")).hasMessageContaining("the arm 'champion' is named twice");
    assertThatThrownBy(() -> ModelHost.Served.route("delay=champion:x")).hasMessageContaining("is not a whole number");
    assertThatThrownBy(() -> ModelHost.Served.of(List.of("delay@champion"), List.of("delay=champion:1,challenger:1"), List.of()))
        .hasMessageContaining("the name is served twice");
    assertThatThrownBy(() -> ModelHost.Served.of(List.of("delay@champion"), List.of(), List.of("other=challenger")))
        .hasMessageContaining("no --model or --route serves the name 'other'");
    assertThatThrownBy(() -> RouteKey.parse("cookie:id")).hasMessageContaining("not header:NAME or field:NAME");
    ModelHost.Served mixed = ModelHost.Served.route("delay=flight-delay@champion:3,challenger:1,7:1,other@x:1");
    assertThat(mixed.arms()).extracting(a -> a.ref().toString())
        .containsExactly("flight-delay@champion", "flight-delay@challenger", "flight-delay/7", "other@x");
  }

  /**
   * One prediction; sent again once if the JDK client loses the race of reusing a kept-alive connection
   * as its pool closes it ("header parser received no bytes"): a transport hiccup of the client under
   * load, not an answer of the server's, which these tests count.
   */
  private static TestClient.Answer post(TestClient client, String path) {
    try {
      return client.post(path, "application/json", RECORD);
    } catch (java.io.UncheckedIOException e) {
      return client.post(path, "application/json", RECORD);
    }
  }

  private static void awaitMetric(TestClient client, String series) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    String metrics = "";
    while (System.nanoTime() < deadline) {
      metrics = client.get("/metrics").body();
      if (metrics.contains(series + "\n")) {
        return;
      }
      TimeUnit.MILLISECONDS.sleep(50);
    }
    assertThat(metrics).contains(series + "\n");
  }
}
