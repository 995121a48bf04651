package io.treeline.jobs.monitoring;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A real Prometheus Pushgateway (Debian's prometheus-pushgateway) on a free loopback port; bin/test installs it. */
final class PushgatewayServer implements AutoCloseable {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private final Process process;
  private final int port;

  private PushgatewayServer(Process process, int port) {
    this.process = process;
    this.port = port;
  }

  static PushgatewayServer start() throws IOException, InterruptedException {
    int port = freePort();
    Path log = Files.createTempFile("pushgateway", ".log");
    Process process;
    try {
      process = new ProcessBuilder(List.of(executable(), "--web.listen-address=127.0.0.1:" + port)).redirectErrorStream(true)
          .redirectOutput(log.toFile()).start();
    } catch (IOException e) {
      throw new IllegalStateException("prometheus-pushgateway is not on the PATH: run bin/test, which installs it "
          + "(apt-get install prometheus-pushgateway), or install the Pushgateway", e);
    }
    PushgatewayServer server = new PushgatewayServer(process, port);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline && process.isAlive()) {
      try {
        if (HTTP.send(HttpRequest.newBuilder(URI.create(server.url() + "/-/ready")).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return server;
        }
      } catch (IOException e) {
        Thread.sleep(100);
      }
    }
    server.close();
    throw new IllegalStateException("the Pushgateway did not answer on port " + port + ":\n" + Files.readString(log));
  }

  /** Debian names it prometheus-pushgateway; the upstream release calls it pushgateway. */
  private static String executable() {
    for (String name : List.of("prometheus-pushgateway", "pushgateway")) {
      for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
        if (Files.isExecutable(Path.of(dir, name))) {
          return Path.of(dir, name).toString();
        }
      }
    }
    return "prometheus-pushgateway";
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  String url() {
    return "http://127.0.0.1:" + port;
  }

  /** What Prometheus would scrape from it. */
  String scrape() throws IOException, InterruptedException {
    return HTTP.send(HttpRequest.newBuilder(URI.create(url() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
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
