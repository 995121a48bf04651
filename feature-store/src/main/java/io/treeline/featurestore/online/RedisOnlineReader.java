package io.treeline.featurestore.online;

import io.treeline.core.error.Errors;
import io.treeline.featurestore.offline.Micros;
import java.net.URI;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisException;

/**
 * Reads the online store in Redis, without Spark: many entities in one pipelined round trip. What
 * {@link RedisOnlineStore} writes, it reads; a prediction server uses this alone.
 */
public final class RedisOnlineReader implements OnlineReader {
  private final String url;
  private volatile JedisPooled client;

  public RedisOnlineReader(String url) {
    this.url = url;
    URI uri = URI.create(url);
    // The URL may carry a password (redis://:secret@host): messages show only scheme, host and port.
    if (!"redis".equals(uri.getScheme()) && !"rediss".equals(uri.getScheme())) {
      throw Errors.invalidInput("use", "Redis URL " + (uri.getHost() == null ? "(unparsable)" : uri.getScheme() + "://" + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort())),
          "expected redis://host:port[/db]", "Set online-store.redis.url.");
    }
  }

  // Lock-free once made: every prediction request passes here.
  private JedisPooled client() {
    JedisPooled current = client;
    if (current != null) {
      return current;
    }
    synchronized (this) {
      if (client == null) {
        client = new JedisPooled(URI.create(url));
      }
      return client;
    }
  }

  @Override
  public Map<EntityKey, FeatureValues> read(OnlineTable table, Collection<EntityKey> keys) {
    return readAll(Map.of(table, keys)).get(table);
  }

  @Override
  public Map<OnlineTable, Map<EntityKey, FeatureValues>> readAll(Map<OnlineTable, ? extends Collection<EntityKey>> requests) {
    Map<OnlineTable, Map<EntityKey, Response<Map<String, String>>>> responses = new LinkedHashMap<>();
    try (Pipeline pipeline = client().pipelined()) {
      requests.forEach((table, keys) -> {
        Map<EntityKey, Response<Map<String, String>>> byKey = new LinkedHashMap<>();
        for (EntityKey key : keys) {
          byKey.put(key, pipeline.hgetAll(ValueCodec.entityKey(table.view(), key)));
        }
        responses.put(table, byKey);
      });
      pipeline.sync();
    } catch (JedisException e) {
      throw Errors.jobFailed("read", "online features of " + requests.keySet().stream().map(OnlineTable::view).toList() + " from Redis",
          e.getMessage(), "Check that Redis at " + URI.create(url).getHost() + " is up (treeline doctor).", e);
    }
    Map<OnlineTable, Map<EntityKey, FeatureValues>> found = new LinkedHashMap<>();
    responses.forEach((table, byKey) -> {
      Map<EntityKey, FeatureValues> values = new LinkedHashMap<>();
      byKey.forEach((key, response) -> {
        Map<String, String> hash = response.get();
        if (hash != null && !hash.isEmpty()) {
          Map<String, Object> features = new LinkedHashMap<>();
          for (String feature : table.features()) {
            features.put(feature, ValueCodec.decode(hash.get(feature)));
          }
          values.put(key, new FeatureValues(Micros.time(Long.parseLong(hash.get(ValueCodec.FEATURE_TIME))), features));
        }
      });
      found.put(table, values);
    });
    return found;
  }

  @Override
  public Freshness freshness(OnlineTable table) {
    Map<String, String> meta = client().hgetAll(ValueCodec.metaKey(table.view()));
    if (meta.isEmpty()) {
      return new Freshness(table.view(), null, null, null, 0);
    }
    String newestSource = meta.get("newest_source");
    return new Freshness(table.view(), Micros.time(Long.parseLong(meta.get("newest"))),
        newestSource == null ? null : Micros.time(Long.parseLong(newestSource)),
        Instant.ofEpochMilli(Long.parseLong(meta.get("last_write"))), Long.parseLong(meta.getOrDefault("entities", "0")));
  }

  @Override
  public void close() {
    if (client != null) {
      client.close();
    }
  }

}
