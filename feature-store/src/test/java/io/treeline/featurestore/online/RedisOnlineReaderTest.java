package io.treeline.featurestore.online;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.treeline.core.error.JobFailedException;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/**
 * The server's Redis reader against a real redis-server: many request threads on a few shared
 * connections, each getting exactly its own entities' values; a Redis that goes away, hangs, or asks
 * for a password. The expected values are written here with plain Jedis commands, in the store's
 * documented layout (ValueCodec), and compared as the Java values they stand for.
 */
class RedisOnlineReaderTest {
  private static final OnlineTable FLIGHTS = new OnlineTable("shared_a", List.of("k"), List.of("x", "s"));
  private static final OnlineTable ROUTES = new OnlineTable("shared_b", List.of("from", "to"), List.of("n"));
  private static final LocalDateTime TIME = LocalDateTime.of(2001, 6, 30, 23, 59, 59, 999_999_000);
  /** 2001-06-30T23:59:59.999999 in microseconds since the epoch. */
  private static final String TIME_MICROS = "993945599999999";

  @Test
  void request_threads_sharing_connections_each_get_their_own_entities() throws Exception {
    try (RedisServer redis = RedisServer.start(); Jedis jedis = new Jedis("127.0.0.1", redis.port())) {
      Map<EntityKey, FeatureValues> flights = new HashMap<>();
      Map<EntityKey, FeatureValues> routes = new HashMap<>();
      double[] numbers = {1e16, 1.0, -0.0, 0.0, Double.NaN, Double.MIN_VALUE, -Double.MAX_VALUE, 1e16 + 2};
      String[] texts = {"ORD", "", "ü→✈", "line\r\nbreak", "$-1\r\n", "*2\r\n"};
      for (int i = 0; i < 400; i++) {
        double x = numbers[i % numbers.length];
        String s = i % 7 == 0 ? null : texts[i % texts.length] + i;
        // Keys URL-encoded by hand: '|' and ':' inside a value must not split it.
        String value = i % 5 == 0 ? "a b|" + i : "E" + i;
        String encoded = i % 5 == 0 ? "a+b%7C" + i : "E" + i;
        Map<String, String> hash = new HashMap<>(Map.of("x", "d:" + x, "feature_time", TIME_MICROS));
        if (s != null) {
          hash.put("s", "s:" + s);
        }
        jedis.hset("treeline:{shared_a}:" + encoded, hash);
        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("x", x);
        expected.put("s", s);
        flights.put(EntityKey.of(value), new FeatureValues(TIME, expected));

        long n = i % 3 == 0 ? Long.MAX_VALUE - i : Long.MIN_VALUE + i;
        jedis.hset("treeline:{shared_b}:O" + i + "|D%3A" + i, Map.of("n", "l:" + n, "feature_time", TIME_MICROS));
        routes.put(EntityKey.of("O" + i, "D:" + i), new FeatureValues(TIME, Map.of("n", n)));
      }
      long connectionsBefore = connectionsReceived(jedis);

      try (RedisOnlineReader reader = new RedisOnlineReader(redis.url())) {
        for (int i = 0; i < 50; i++) {
          EntityKey key = EntityKey.of("E" + (i * 5 + 1));
          assertThat(reader.read(FLIGHTS, List.of(key))).containsExactly(Map.entry(key, flights.get(key)));
        }
        assertThat(connectionsReceived(jedis) - connectionsBefore).as("connections of one thread's reads, one at a time").isEqualTo(1);

        ExecutorService threads = Executors.newFixedThreadPool(16);
        List<Future<Integer>> checked = new ArrayList<>();
        for (int t = 0; t < 16; t++) {
          long seed = t;
          checked.add(threads.submit(() -> {
            Random random = new Random(seed);
            List<EntityKey> flightKeys = new ArrayList<>(flights.keySet());
            List<EntityKey> routeKeys = new ArrayList<>(routes.keySet());
            int compared = 0;
            for (int call = 0; call < 300; call++) {
              List<EntityKey> someFlights = new ArrayList<>();
              for (int i = random.nextInt(6); i > 0; i--) {
                someFlights.add(flightKeys.get(random.nextInt(flightKeys.size())));
              }
              someFlights.add(EntityKey.of("absent" + call));
              List<EntityKey> someRoutes = new ArrayList<>();
              for (int i = random.nextInt(4); i > 0; i--) {
                someRoutes.add(routeKeys.get(random.nextInt(routeKeys.size())));
              }
              Map<OnlineTable, Map<EntityKey, FeatureValues>> read = reader.readAll(Map.of(FLIGHTS, someFlights, ROUTES, someRoutes));
              for (EntityKey key : someFlights) {
                assertThat(read.get(FLIGHTS).get(key)).as("%s", key).isEqualTo(flights.get(key));
              }
              for (EntityKey key : someRoutes) {
                assertThat(read.get(ROUTES).get(key)).as("%s", key).isEqualTo(routes.get(key));
              }
              assertThat(read.get(FLIGHTS)).hasSize((int) someFlights.stream().filter(flights::containsKey).distinct().count());
              compared += someFlights.size() + someRoutes.size();
            }
            return compared;
          }));
        }
        int compared = 0;
        for (Future<Integer> thread : checked) {
          compared += thread.get();
        }
        threads.shutdown();
        assertThat(compared).isGreaterThan(16 * 300);
      }
      assertThat(connectionsReceived(jedis) - connectionsBefore).as("connections the reader opened for 16 threads")
          .isBetween(1L, (long) RedisOnlineReader.CONNECTIONS);
    }
  }

  @Test
  void a_redis_that_goes_away_fails_reads_by_name_and_is_used_again_when_it_is_back() throws Exception {
    RedisServer redis = RedisServer.start();
    int port = redis.port();
    try (RedisOnlineReader reader = new RedisOnlineReader(redis.url())) {
      writeOne(port);
      assertThat(reader.read(ROUTES, List.of(EntityKey.of("ORD", "LAX")))).containsKey(EntityKey.of("ORD", "LAX"));

      redis.close();
      assertThatThrownBy(() -> reader.read(ROUTES, List.of(EntityKey.of("ORD", "LAX"))))
          .isInstanceOf(JobFailedException.class)
          // The first read after the server went may still find the old connection open.
          .hasMessageMatching("Cannot read online features of \\[shared_b\\] from Redis: (Cannot connect to|Lost the connection to|Cannot send to) Redis at"
              + " redis://127.0.0.1:" + port + ": .+")
          .extracting(e -> ((JobFailedException) e).remedy()).isEqualTo("Check that Redis at redis://127.0.0.1:" + port + " is up (treeline doctor).");

      redis = RedisServer.start(port);
      writeOne(port);
      Thread.sleep(600); // past the pause after a failed connect
      assertThat(reader.read(ROUTES, List.of(EntityKey.of("ORD", "LAX")))).containsKey(EntityKey.of("ORD", "LAX"));
    } finally {
      redis.close();
    }
  }

  @Test
  void a_redis_that_does_not_answer_fails_the_read_within_the_timeout() throws Exception {
    try (RedisServer redis = RedisServer.start(); RedisOnlineReader reader = new RedisOnlineReader(redis.url());
        Jedis jedis = new Jedis("127.0.0.1", redis.port())) {
      writeOne(redis.port());
      assertThat(reader.read(ROUTES, List.of(EntityKey.of("ORD", "LAX")))).hasSize(1);

      // Redis holds the clients' commands for 5 s: the reader's timeout is 2 s.
      long start = System.nanoTime();
      jedis.clientPause(5000);
      assertThatThrownBy(() -> reader.read(ROUTES, List.of(EntityKey.of("ORD", "LAX"))))
          .isInstanceOf(JobFailedException.class)
          .hasMessageContaining("did not answer within 2 s");
      assertThat((System.nanoTime() - start) / 1e9).isBetween(1.9, 4.5);

      Thread.sleep(Math.max(0, 5300 - (System.nanoTime() - start) / 1_000_000));
      assertThat(reader.read(ROUTES, List.of(EntityKey.of("ORD", "LAX")))).hasSize(1);
    }
  }

  @Test
  void a_password_and_a_database_from_the_url_are_used_and_a_wrong_password_is_named_without_it() throws Exception {
    try (RedisServer redis = RedisServer.start(RedisServer.freePort(), "--requirepass", "s3cret-pw"); Jedis jedis = new Jedis("127.0.0.1", redis.port())) {
      jedis.auth("s3cret-pw");
      jedis.select(3);
      jedis.hset("treeline:{shared_b}:ORD|LAX", Map.of("n", "l:7", "feature_time", TIME_MICROS));

      try (RedisOnlineReader reader = new RedisOnlineReader("redis://:s3cret-pw@127.0.0.1:" + redis.port() + "/3")) {
        assertThat(reader.read(ROUTES, List.of(EntityKey.of("ORD", "LAX"))))
            .containsEntry(EntityKey.of("ORD", "LAX"), new FeatureValues(TIME, Map.of("n", 7L)));
        reader.ping();
      }
      // What treeline doctor shows for a URL without the password.
      try (RedisOnlineReader reader = new RedisOnlineReader("redis://127.0.0.1:" + redis.port())) {
        assertThatThrownBy(reader::ping).hasMessage("Redis at redis://127.0.0.1:" + redis.port() + " refused PING: NOAUTH Authentication required.");
      }
      try (RedisOnlineReader reader = new RedisOnlineReader("redis://:not-it-42@127.0.0.1:" + redis.port() + "/3")) {
        assertThatThrownBy(() -> reader.read(ROUTES, List.of(EntityKey.of("ORD", "LAX"))))
            .isInstanceOf(JobFailedException.class)
            .hasMessageContaining("refused logging in: WRONGPASS")
            .hasMessageNotContaining("not-it-42");
      }
    }
  }

  private static void writeOne(int port) {
    try (Jedis jedis = new Jedis("127.0.0.1", port)) {
      jedis.hset("treeline:{shared_b}:ORD|LAX", Map.of("n", "l:1", "feature_time", TIME_MICROS));
    }
  }

  private static long connectionsReceived(Jedis jedis) {
    return jedis.info("stats").lines().filter(line -> line.startsWith("total_connections_received:"))
        .mapToLong(line -> Long.parseLong(line.substring(line.indexOf(':') + 1).trim())).findFirst().orElseThrow();
  }
}
