package io.treeline.registry;

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

/**
 * A real {@code mlflow server} on a free loopback port, with a sqlite backend store and a temporary
 * artifact root served through its {@code mlflow-artifacts} API. One per test JVM ({@link #shared()}),
 * stopped when the JVM exits.
 */
public final class MlflowServer implements AutoCloseable {
  private static MlflowServer shared;

  private final Process process;
  private final int port;
  private final Path directory;

  private MlflowServer(Process process, int port, Path directory) {
    this.process = process;
    this.port = port;
    this.directory = directory;
  }

  public static synchronized MlflowServer shared() {
    if (shared == null) {
      shared = start();
      Runtime.getRuntime().addShutdownHook(new Thread(shared::close));
    }
    return shared;
  }

  /** The server proxies artifacts: runs get {@code mlflow-artifacts:/…} URIs. */
  public static MlflowServer start() {
    return start(true);
  }

  /**
   * The server only records where artifacts are: runs get plain local paths under a shared root,
   * which clients write themselves (as with a shared file system or S3).
   */
  public static MlflowServer startWithSharedArtifactStore() {
    return start(false);
  }

  private static MlflowServer start(boolean proxyArtifacts) {
    try {
      int port;
      try (ServerSocket socket = new ServerSocket(0)) {
        port = socket.getLocalPort();
      }
      Path directory = Files.createTempDirectory("mlflow-server");
      Path log = directory.resolve("server.log");
      List<String> command = new java.util.ArrayList<>(List.of(PythonEnv.bin("mlflow").toString(), "server",
          "--host", "127.0.0.1", "--port", Integer.toString(port), "--workers", "1",
          "--backend-store-uri", "sqlite:///" + directory.resolve("mlflow.db")));
      command.addAll(proxyArtifacts
          ? List.of("--artifacts-destination", directory.resolve("artifacts").toString())
          : List.of("--no-serve-artifacts", "--default-artifact-root", directory.resolve("shared-artifacts").toString()));
      Process process = new ProcessBuilder(command)
          .directory(directory.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
      MlflowServer server = new MlflowServer(process, port, directory);
      HttpClient http = HttpClient.newHttpClient();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (System.nanoTime() < deadline) {
        if (!process.isAlive()) {
          break;
        }
        try {
          HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create(server.url() + "/health"))
              .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
          if (health.statusCode() == 200) {
            return server;
          }
        } catch (IOException e) {
          // not listening yet
        }
        Thread.sleep(250);
      }
      server.close();
      throw new IllegalStateException("mlflow server did not start on port " + port + ":\n" + Files.readString(log));
    } catch (IOException e) {
      throw new IllegalStateException("Cannot start mlflow server: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public String url() {
    return "http://127.0.0.1:" + port;
  }

  public int port() {
    return port;
  }

  public Path directory() {
    return directory;
  }

  @Override
  public void close() {
    process.descendants().forEach(ProcessHandle::destroy);
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
