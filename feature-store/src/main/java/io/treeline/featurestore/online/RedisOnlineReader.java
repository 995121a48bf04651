package io.treeline.featurestore.online;

import io.treeline.core.error.Errors;
import io.treeline.featurestore.offline.Micros;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Supplier;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocketFactory;

/**
 * Reads the online store in Redis, without Spark: many entities in one pipelined round trip, over
 * a few connections the server's request threads share ({@link SharedRedisConnection}), so under load
 * the lookups of several requests travel together. What {@link RedisOnlineStore} writes, it reads; a
 * prediction server uses this alone.
 */
public final class RedisOnlineReader implements OnlineReader {
  /**
   * Connections at most: at moderate load each request finds one idle and has it to itself; past
   * that (every connection busy), requests share them, several to a system call. Sharing costs a
   * request that waits behind another's replies a wake-up more, which at 5,000 requests/s showed in
   * the p99 with a single shared connection (docs/benchmarks.md).
   */
  static final int CONNECTIONS = 4;
  /** After a failed connect, calls fail at once for this long rather than each trying again: a Redis that is down costs a request nothing. */
  private static final long RECONNECT_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

  private final URI url;
  private final String shownAddress;
  private final SSLSocketFactory tlsSockets;
  /** Each view's HMGET, its fixed parts encoded once. */
  private final Map<OnlineTable, Lookup> lookups = new ConcurrentHashMap<>();
  /** Opened as needed, up to {@link #CONNECTIONS}; a slot whose connection failed is opened again. */
  private final AtomicReferenceArray<SharedRedisConnection> connections = new AtomicReferenceArray<>(CONNECTIONS);
  private IOException lastConnectFailure;
  private long lastConnectFailureAt;
  private boolean closed;

  public RedisOnlineReader(String url) {
    this(url, null);
  }

  /** @param caPem the authorities a rediss:// server's certificate must chain to ({@link RedisTls#readCaFile}); null for the JVM's */
  public RedisOnlineReader(String url, String caPem) {
    URI uri = URI.create(url);
    // The URL may carry a password (redis://:secret@host): messages show only scheme, host and port.
    this.shownAddress = uri.getHost() == null ? "(unparsable)" : uri.getScheme() + "://" + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort());
    if (!"redis".equals(uri.getScheme()) && !"rediss".equals(uri.getScheme())) {
      throw Errors.invalidInput("use", "Redis URL " + shownAddress, "expected redis://host:port[/db]", "Set online-store.redis.url.");
    }
    this.url = uri;
    this.tlsSockets = "rediss".equals(uri.getScheme()) ? RedisTls.socketFactory(caPem) : null;
  }

  /**
   * An idle connection when there is one (a lone request then reads its own replies, as on a
   * connection of its own), else a new one while fewer than {@link #CONNECTIONS} are open, else the
   * one with the fewest callers, whose commands and replies the caller then shares. Lock-free while
   * the connections are up: every prediction request passes here.
   */
  private SharedRedisConnection connection() throws IOException {
    SharedRedisConnection leastBusy = null;
    int free = -1;
    for (int i = 0; i < CONNECTIONS; i++) {
      SharedRedisConnection candidate = connections.get(i);
      if (candidate == null || !candidate.usable()) {
        free = free < 0 ? i : free;
        continue;
      }
      int callers = candidate.callers();
      if (callers == 0) {
        return candidate;
      }
      if (leastBusy == null || callers < leastBusy.callers()) {
        leastBusy = candidate;
      }
    }
    return free >= 0 ? open(free, leastBusy) : leastBusy;
  }

  /** Opens slot {@code slot}'s connection; while Redis cannot be reached, tries at most every {@link #RECONNECT_PAUSE_NANOS}. */
  private synchronized SharedRedisConnection open(int slot, SharedRedisConnection otherwise) throws IOException {
    if (closed) {
      throw new IOException("the online store's reader is closed");
    }
    SharedRedisConnection current = connections.get(slot);
    if (current != null && current.usable()) {
      return current;
    }
    if (lastConnectFailure != null && System.nanoTime() - lastConnectFailureAt < RECONNECT_PAUSE_NANOS) {
      if (otherwise != null) {
        return otherwise;
      }
      throw lastConnectFailure;
    }
    try {
      SharedRedisConnection opened = SharedRedisConnection.open(url, tlsSockets);
      connections.set(slot, opened);
      lastConnectFailure = null;
      return opened;
    } catch (IOException e) {
      String reason = e instanceof SSLException
          ? "the TLS handshake failed (" + e.getMessage() + "). If a private authority signed its certificate, set "
              + "online-store.redis.ca-file to that authority's PEM file; the URL's host must be a name the certificate holds"
          : e.getMessage();
      lastConnectFailure = new IOException("Cannot connect to Redis at " + shownAddress + ": " + reason, e);
      lastConnectFailureAt = System.nanoTime();
      if (otherwise != null) {
        return otherwise;
      }
      throw lastConnectFailure;
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
    RespCommands commands = new RespCommands(2048);
    requests.forEach((table, keys) -> {
      Lookup lookup = lookups.computeIfAbsent(table, Lookup::new);
      for (EntityKey key : keys) {
        lookup.append(commands, key);
      }
    });
    Object[] replies = call(commands, () -> "online features of " + requests.keySet().stream().map(OnlineTable::view).toList());
    Map<OnlineTable, Map<EntityKey, FeatureValues>> found = new LinkedHashMap<>();
    int next = 0;
    for (Map.Entry<OnlineTable, ? extends Collection<EntityKey>> request : requests.entrySet()) {
      OnlineTable table = request.getKey();
      int features = table.features().size();
      Map<EntityKey, FeatureValues> values = new LinkedHashMap<>();
      for (EntityKey key : request.getValue()) {
        String[] read = (String[]) replies[next++];
        String time = read[features];
        if (time != null) {
          Map<String, Object> byName = new LinkedHashMap<>();
          for (int i = 0; i < features; i++) {
            byName.put(table.features().get(i), ValueCodec.decode(read[i]));
          }
          values.put(key, new FeatureValues(Micros.time(Long.parseLong(time)), byName));
        }
      }
      found.put(table, values);
    }
    return found;
  }

  /** Sends {@code commands} and returns their replies, each an array; any failure or refusal is the job's error, naming what was read. */
  private Object[] call(RespCommands commands, Supplier<String> what) {
    Object[] replies;
    try {
      replies = connection().call(commands);
    } catch (IOException e) {
      throw Errors.jobFailed("read", what.get() + " from Redis", e.getMessage(), "Check that Redis at " + shownAddress + " is up (treeline doctor).", e);
    }
    for (Object reply : replies) {
      if (reply instanceof RespReplies.Error error) {
        throw Errors.jobFailed("read", what.get() + " from Redis", "Redis answered " + error.message(),
            "Check that " + shownAddress + " holds Treeline's online store (its keys start with treeline:{view}).", null);
      }
      if (!(reply instanceof String[])) {
        throw Errors.jobFailed("read", what.get() + " from Redis", "Redis answered " + reply + " where a list of values was expected",
            "Check that " + shownAddress + " is a Redis server.", null);
      }
    }
    return replies;
  }

  /** A view's HMGET: the command's name and the field list encoded once, the key per entity. */
  private static final class Lookup {
    private final String view;
    private final int arguments;
    private final byte[] name = RespCommands.bulks("HMGET");
    private final byte[] fields;

    Lookup(OnlineTable table) {
      this.view = table.view();
      String[] names = fields(table);
      this.arguments = 2 + names.length;
      this.fields = RespCommands.bulks(names);
    }

    void append(RespCommands commands, EntityKey key) {
      commands.arrayHeader(arguments).raw(name).bulk(ValueCodec.entityKey(view, key).getBytes(StandardCharsets.UTF_8)).raw(fields);
    }
  }

  /** The hash fields a read of {@code table} asks for: its features, then the feature time. */
  private static String[] fields(OnlineTable table) {
    String[] fields = table.features().toArray(new String[table.features().size() + 1]);
    fields[fields.length - 1] = ValueCodec.FEATURE_TIME;
    return fields;
  }

  /**
   * Connects as a lookup does (TLS, login, database) and asks Redis for a PONG. For `treeline
   * doctor`: the exception's message names the address and what went wrong.
   */
  public void ping() throws IOException {
    Object reply = connection().call(new RespCommands(16).command("PING"))[0];
    if (reply instanceof RespReplies.Error error) {
      // NOAUTH: a password is needed and the URL has none (redis://:password@host:port).
      throw new IOException("Redis at " + shownAddress + " refused PING: " + error.message());
    }
    if (!"PONG".equals(reply)) {
      throw new IOException("Redis at " + shownAddress + " answered " + reply + " to PING");
    }
  }

  @Override
  public Freshness freshness(OnlineTable table) {
    String[] pairs = (String[]) call(new RespCommands(64).command("HGETALL", ValueCodec.metaKey(table.view())), () -> "the freshness of " + table.view())[0];
    Map<String, String> meta = new HashMap<>();
    for (int i = 0; i + 1 < pairs.length; i += 2) {
      meta.put(pairs[i], pairs[i + 1]);
    }
    if (meta.isEmpty()) {
      return new Freshness(table.view(), null, null, null, 0);
    }
    String newestSource = meta.get("newest_source");
    return new Freshness(table.view(), Micros.time(Long.parseLong(meta.get("newest"))),
        newestSource == null ? null : Micros.time(Long.parseLong(newestSource)),
        Instant.ofEpochMilli(Long.parseLong(meta.get("last_write"))), Long.parseLong(meta.getOrDefault("entities", "0")));
  }

  @Override
  public synchronized void close() {
    closed = true;
    for (int i = 0; i < CONNECTIONS; i++) {
      SharedRedisConnection connection = connections.get(i);
      if (connection != null) {
        connection.close();
      }
    }
  }
}
