package io.treeline.featurestore.online;

import io.treeline.featurestore.offline.Micros;
import java.io.Serializable;
import java.net.URI;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.function.ForeachPartitionFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.util.LongAccumulator;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.util.JedisURIHelper;

/**
 * The online store in Redis. Writes run on the executors, each partition pipelining a Lua script
 * per entity that replaces the entity's hash only when the incoming feature time is not older, so
 * replays and out-of-order jobs never go back in time. Reads are a {@link RedisOnlineReader}'s.
 */
public final class RedisOnlineStore implements OnlineStore, Serializable {
  private static final int BATCH = 500;

  /**
   * KEYS: entity hash, view metadata. ARGV: feature time (µs), ttl (s, 0 = none), now (ms), source time (µs, or
   * empty), then field/value pairs.
   */
  static final String WRITE_IF_NOT_OLDER = """
      local current = redis.call('HGET', KEYS[1], 'feature_time')
      if current and tonumber(current) > tonumber(ARGV[1]) then return 0 end
      local existed = redis.call('EXISTS', KEYS[1])
      redis.call('DEL', KEYS[1])
      redis.call('HSET', KEYS[1], 'feature_time', ARGV[1], unpack(ARGV, 5))
      if tonumber(ARGV[2]) > 0 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
      if existed == 0 then redis.call('HINCRBY', KEYS[2], 'entities', 1) end
      local newest = redis.call('HGET', KEYS[2], 'newest')
      if (not newest) or tonumber(newest) < tonumber(ARGV[1]) then redis.call('HSET', KEYS[2], 'newest', ARGV[1]) end
      if ARGV[4] ~= '' then
        local source = redis.call('HGET', KEYS[2], 'newest_source')
        if (not source) or tonumber(source) < tonumber(ARGV[4]) then redis.call('HSET', KEYS[2], 'newest_source', ARGV[4]) end
      end
      redis.call('HSET', KEYS[2], 'last_write', ARGV[3])
      return 1
      """;

  private final String url;
  /** The authorities a rediss:// server must chain to, as text: executors that write may not have the file. */
  private final String caPem;
  private final long expirySeconds;
  /** Rebuilt on first read after deserialization: executors only write. */
  private transient volatile RedisOnlineReader reader;

  /** @param expiry how long an entity's values live in Redis after its last write; zero keeps them */
  public RedisOnlineStore(String url, Duration expiry) {
    this(url, null, expiry);
  }

  /** @param caPem the authorities a rediss:// server's certificate must chain to ({@link RedisTls#readCaFile}); null for the JVM's */
  public RedisOnlineStore(String url, String caPem, Duration expiry) {
    this.url = url;
    this.caPem = caPem;
    this.expirySeconds = expiry.getSeconds();
    this.reader = new RedisOnlineReader(url, caPem); // checks the URL
  }

  @Override
  public long write(OnlineTable table, Dataset<Row> rows) {
    LongAccumulator written = rows.sparkSession().sparkContext().longAccumulator("online writes of " + table.view());
    String redisUrl = url;
    String authorities = caPem;
    long expiry = expirySeconds;
    rows.foreachPartition((ForeachPartitionFunction<Row>) partition -> written.add(writeRows(redisUrl, authorities, expiry, table, partition)));
    return written.value();
  }

  @Override
  public long writeLocal(OnlineTable table, List<Row> rows) {
    return writeRows(url, caPem, expirySeconds, table, rows.iterator());
  }

  /** Pipelines the write-if-not-older script for each row; returns the rows written. */
  private static long writeRows(String redisUrl, String caPem, long expiry, OnlineTable table, java.util.Iterator<Row> rows) {
    long written = 0;
    URI uri = URI.create(redisUrl);
    boolean tls = JedisURIHelper.isRedisSSLScheme(uri);
    try (Jedis jedis = new Jedis(uri, tls ? RedisTls.socketFactory(caPem) : null, tls ? RedisTls.parameters() : null, null)) {
      String sha = jedis.scriptLoad(WRITE_IF_NOT_OLDER);
      List<Response<Object>> pending = new ArrayList<>();
      Pipeline pipeline = jedis.pipelined();
      while (rows.hasNext()) {
        Row row = rows.next();
        pending.add(pipeline.evalsha(sha, List.of(keys(table, row)), List.of(args(table, row, expiry))));
        if (pending.size() >= BATCH) {
          pipeline.sync();
          for (Response<Object> response : pending) {
            written += (Long) response.get();
          }
          pending.clear();
        }
      }
      pipeline.sync();
      for (Response<Object> response : pending) {
        written += (Long) response.get();
      }
    }
    return written;
  }

  @Override
  public Map<EntityKey, FeatureValues> read(OnlineTable table, Collection<EntityKey> keys) {
    return reader().read(table, keys);
  }

  @Override
  public Map<OnlineTable, Map<EntityKey, FeatureValues>> readAll(Map<OnlineTable, ? extends Collection<EntityKey>> requests) {
    return reader().readAll(requests);
  }

  @Override
  public Freshness freshness(OnlineTable table) {
    return reader().freshness(table);
  }

  @Override
  public void close() {
    if (reader != null) {
      reader.close();
    }
  }

  private RedisOnlineReader reader() {
    RedisOnlineReader current = reader;
    if (current != null) {
      return current;
    }
    synchronized (this) {
      if (reader == null) {
        reader = new RedisOnlineReader(url, caPem);
      }
      return reader;
    }
  }

  static String[] keys(OnlineTable table, Row row) {
    return new String[] {ValueCodec.entityKey(table.view(), entityKey(table, row)), ValueCodec.metaKey(table.view())};
  }

  static EntityKey entityKey(OnlineTable table, Row row) {
    List<String> values = new ArrayList<>();
    for (String key : table.entityKeys()) {
      values.add(String.valueOf(row.get(row.fieldIndex(key))));
    }
    return new EntityKey(values);
  }

  static String[] args(OnlineTable table, Row row, long expirySeconds) {
    List<String> args = new ArrayList<>();
    args.add(Long.toString(Micros.of(row.getAs(OnlineTable.FEATURE_TIME))));
    args.add(Long.toString(expirySeconds));
    args.add(Long.toString(System.currentTimeMillis()));
    boolean hasSourceTime = java.util.Arrays.asList(row.schema().fieldNames()).contains(OnlineTable.SOURCE_TIME);
    java.time.LocalDateTime sourceTime = hasSourceTime ? row.getAs(OnlineTable.SOURCE_TIME) : null;
    args.add(sourceTime == null ? "" : Long.toString(Micros.of(sourceTime)));
    for (String feature : table.features()) {
      String encoded = ValueCodec.encode(row.get(row.fieldIndex(feature)));
      if (encoded != null) {
        args.add(feature);
        args.add(encoded);
      }
    }
    return args.toArray(String[]::new);
  }

}
