package io.treeline.featurestore.online;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import redis.clients.jedis.Jedis;

/** A real redis-server on a free loopback port, for the tests; bin/test installs it when missing. */
public final class RedisServer implements AutoCloseable {
  private final Process process;
  private final int port;

  private RedisServer(Process process, int port) {
    this.process = process;
    this.port = port;
  }

  public static RedisServer start() throws IOException, InterruptedException {
    return start(freePort());
  }

  /** A loopback port free at this moment, for a server started with settings of its own. */
  public static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  /**
   * A server on {@code port} (one that was just stopped, to start it again), with {@code settings}
   * added to its command line ({@code --requirepass secret}); with a password, the readiness check
   * passes when the server asks for it.
   */
  public static RedisServer start(int port, String... settings) throws IOException, InterruptedException {
    List<String> command = new java.util.ArrayList<>(List.of("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
        "--save", "", "--appendonly", "no"));
    command.addAll(List.of(settings));
    Path log = Files.createTempFile("redis", ".log");
    Process process;
    try {
      process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    } catch (IOException e) {
      throw new IllegalStateException("redis-server is not on the PATH: run bin/test, which installs it, or install Redis", e);
    }
    RedisServer server = new RedisServer(process, port);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      try (Jedis jedis = new Jedis("127.0.0.1", port)) {
        if ("PONG".equals(jedis.ping())) {
          return server;
        }
      } catch (redis.clients.jedis.exceptions.JedisDataException e) {
        if (e.getMessage().startsWith("NOAUTH")) {
          return server; // up, and asking for the password it was given
        }
        Thread.sleep(100);
      } catch (RuntimeException e) {
        Thread.sleep(100);
      }
    }
    server.close();
    throw new IllegalStateException("redis-server did not answer on port " + port + ":\n" + Files.readString(log));
  }

  public String url() {
    return "redis://127.0.0.1:" + port;
  }

  public int port() {
    return port;
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
