package io.treeline.featurestore.online;

import io.treeline.core.error.Errors;
import io.treeline.featurestore.offline.Micros;
import java.net.URI;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
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

  /**
   * One pipelined round trip for every view and entity: HMGET of the features the caller names and
   * the feature time, not HGETALL of the whole hash, so Redis sends and the server decodes only what
   * the model reads. An entity whose hash has no feature time (no hash at all) is absent.
   */
  @Override
  public Map<OnlineTable, Map<EntityKey, FeatureValues>> readAll(Map<OnlineTable, ? extends Collection<EntityKey>> requests) {
    Map<OnlineTable, Map<EntityKey, Response<List<String>>>> responses = new LinkedHashMap<>();
    try (Pipeline pipeline = client().pipelined()) {
      requests.forEach((table, keys) -> {
        String[] fields = fields(table);
        Map<EntityKey, Response<List<String>>> byKey = new LinkedHashMap<>();
        for (EntityKey key : keys) {
          byKey.put(key, pipeline.hmget(ValueCodec.entityKey(table.view(), key), fields));
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
        List<String> read = response.get();
        String time = read.get(table.features().size());
        if (time != null) {
          Map<String, Object> features = new LinkedHashMap<>();
          for (int i = 0; i < table.features().size(); i++) {
            features.put(table.features().get(i), ValueCodec.decode(read.get(i)));
          }
          values.put(key, new FeatureValues(Micros.time(Long.parseLong(time)), features));
        }
      });
      found.put(table, values);
    });
    return found;
  }

  /** The hash fields a read of {@code table} asks for: its features, then the feature time. */
  private static String[] fields(OnlineTable table) {
    String[] fields = table.features().toArray(new String[table.features().size() + 1]);
    fields[fields.length - 1] = ValueCodec.FEATURE_TIME;
    return fields;
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
