package io.treeline.featurestore.online;

import static org.assertj.core.api.Assertions.assertThat;

import io.treeline.core.testing.TestSpark;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

class RedisOnlineStoreTest extends OnlineStoreContract {
  private static RedisServer redis;
  private static RedisOnlineStore store;

  @BeforeAll
  static void start() throws Exception {
    redis = RedisServer.start();
    store = new RedisOnlineStore(redis.url(), Duration.ZERO);
  }

  @AfterAll
  static void stop() {
    store.close();
    redis.close();
  }

  @Override
  protected OnlineStore store() {
    return store;
  }

  @Test
  void keys_expire_when_asked_to() {
    OnlineTable table = new OnlineTable("expiring", List.of("k"), List.of("n"));
    try (RedisOnlineStore expiring = new RedisOnlineStore(redis.url(), Duration.ofSeconds(60))) {
      expiring.write(table, TestSpark.session().sql("select 'a' as k, timestamp_ntz'2001-01-01 00:00' as feature_time, 1L as n"));
    }

    try (Jedis jedis = new Jedis("127.0.0.1", redis.port())) {
      assertThat(jedis.ttl(ValueCodec.entityKey("expiring", EntityKey.of("a")))).isBetween(1L, 60L);
      assertThat(jedis.ttl(ValueCodec.entityKey("expiring", EntityKey.of("zzz")))).isEqualTo(-2L);
    }
  }

  @Test
  void a_wrong_url_is_refused() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> new RedisOnlineStore("http://x:1", Duration.ZERO))
        .hasMessage("Cannot use Redis URL http://x:1: expected redis://host:port[/db]");
  }
}
