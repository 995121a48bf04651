package io.treeline.featurestore.benchmark;

import io.treeline.core.config.TreelineConfig;
import io.treeline.core.lake.LakeLayout;
import io.treeline.core.spark.SparkSessions;
import io.treeline.featurestore.online.EmbeddedOnlineStore;
import io.treeline.featurestore.online.EntityKey;
import io.treeline.featurestore.online.OnlineStore;
import io.treeline.featurestore.online.OnlineTable;
import io.treeline.featurestore.online.RedisOnlineStore;
import io.treeline.featurestore.online.RedisServer;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.sql.SparkSession;

/**
 * Read latency of the online stores for one and for 100 entities per call, on 3,399 route entities
 * with the route_delays view's four features (as many routes as the flights data has). Prints
 * p50/p99 per store; asserts nothing. Run with bin/benchmark-online.
 */
public final class OnlineReadBenchmark {
  private static final int ROUTES = 3_399;
  private static final int CALLS = 20_000;

  public static void main(String[] args) throws Exception {
    String lake = Files.createTempDirectory("treeline-online-bench").toString();
    SparkSession spark = SparkSessions.create(TreelineConfig.defaults().with(Map.of("lake.root", lake)), "treeline-online-benchmark");
    OnlineTable table = new OnlineTable("route_delays", List.of("origin", "destination"),
        List.of("flights_7d", "avg_delay_7d", "delayed_share_7d", "last_delay"));
    var rows = spark.sql("select concat('O', cast(id % 229 as string)) as origin, concat('D', cast(id as string)) as destination,"
        + " timestamp_ntz'2001-06-30 12:00' as feature_time, id as flights_7d, rand(1) * 30 as avg_delay_7d,"
        + " rand(2) as delayed_share_7d, cast(id % 90 as int) as last_delay from range(" + ROUTES + ")");
    System.out.printf("machine: %d cores, Java %s; %,d entities, %,d calls per case after %,d warm-up calls%n",
        Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), ROUTES, CALLS, CALLS / 4);
    try (RedisServer redis = RedisServer.start();
        OnlineStore embedded = new EmbeddedOnlineStore(spark, LakeLayout.at(lake), Duration.ofSeconds(1));
        OnlineStore redisStore = new RedisOnlineStore(redis.url(), Duration.ZERO)) {
      for (var store : List.of(Map.entry("embedded", embedded), Map.entry("redis", redisStore))) {
        store.getValue().write(table, rows);
        for (int batch : new int[] {1, 100}) {
          measure(store.getKey(), store.getValue(), table, batch);
        }
      }
    }
    spark.stop();
  }

  private static void measure(String name, OnlineStore store, OnlineTable table, int batch) {
    Random random = new Random(7);
    long[] nanos = new long[CALLS];
    for (int call = -CALLS / 4; call < CALLS; call++) {
      List<EntityKey> keys = new ArrayList<>(batch);
      for (int i = 0; i < batch; i++) {
        int route = random.nextInt(ROUTES);
        keys.add(EntityKey.of("O" + (route % 229), "D" + route));
      }
      long start = System.nanoTime();
      int found = store.read(table, keys).size();
      long elapsed = System.nanoTime() - start;
      if (found == 0) {
        throw new IllegalStateException(name + " found no entity");
      }
      if (call >= 0) {
        nanos[call] = elapsed;
      }
    }
    Arrays.sort(nanos);
    System.out.printf("%-9s %3d entities per read: p50 %8.1f µs, p99 %8.1f µs%n", name, batch,
        nanos[CALLS / 2] / 1e3, nanos[(int) (CALLS * 0.99)] / 1e3);
  }
}
