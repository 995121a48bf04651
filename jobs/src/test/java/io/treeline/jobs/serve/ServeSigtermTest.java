package io.treeline.jobs.serve;

import static org.assertj.core.api.Assertions.assertThat;

import io.treeline.core.testing.TempLake;
import io.treeline.core.testing.TestSpark;
import io.treeline.jobs.TrainedSlice;
import io.treeline.jobs.WithoutSpark;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real {@code treeline serve} process under load from several kept-alive clients gets SIGTERM:
 * /ready turns 503 at once, the server keeps answering through the drain period, then refuses new
 * connections, and not one request that reached it goes without an answer; the process exits 0.
 * The process runs without Spark or Scala on its classpath, as bin/treeline starts it, and loads no
 * Spark class: a server carries no Spark runtime.
 */
class ServeSigtermTest {
  private static final Path CONF = TrainedSlice.CONF;
  private static final String RECORD = "{\"records\":[{\"origin\":\"SFO\",\"destination\":\"LAX\",\"departure\":\"2001-06-15T08:30:00\",\"distance\":337}]}";
  private static final Pattern LISTENING = Pattern.compile("Listening on (http://[0-9.]+:\\d+)");
  private static final int CLIENTS = 8;

  private static TempLake lake;

  @TempDir Path dir;

  @BeforeAll
  static void trainedModel() {
    lake = TrainedSlice.copy();
  }

  @AfterAll
  static void cleanUp() {
    lake.close();
  }

  private static String[] args(String... command) {
    return TrainedSlice.args(lake, command);
  }


  /** Rows in the lake's inference log so far (the repetitions share the lake); 0 before the first server made it. */
  private static long inferenceLogRows() {
    Path table = lake.root().resolve("tables/monitoring/inference_log");
    return Files.isDirectory(table.resolve("_delta_log")) ? TestSpark.table(table.toString()).count() : 0;
  }

  /** The server's output so far; its reader thread may still be adding lines, so the copy is made under the list's lock. */
  private static String joined(List<String> lines) {
    synchronized (lines) {
      return String.join("\n", lines);
    }
  }

  /** What each request sent came to. */
  private static final class Outcomes {
    final AtomicInteger answered = new AtomicInteger();
    final AtomicInteger answeredAfterStop = new AtomicInteger();
    final AtomicInteger refusedConnections = new AtomicInteger();
    final Map<String, Integer> unanswered = new ConcurrentHashMap<>();
  }

  @RepeatedTest(3)
  void sigterm_under_load_answers_every_request_and_exits_0(RepetitionInfo repetition) throws Exception {
    Path classes = Path.of("target", "serve-sigterm-" + repetition.getCurrentRepetition() + "-classes.log");
    List<String> command = new ArrayList<>(WithoutSpark.command(classes, "--verbose", "serve", "--model", "flight-delay@champion", "--port", "0"));
    command.addAll(List.of(args()));
    command.addAll(List.of("--conf", "serving.shutdown-drain-seconds=2", "--conf", "serving.poll-interval-seconds=0",
        "--conf", "serving.access-log=false"));
    Path log = Path.of("target", "serve-sigterm-" + repetition.getCurrentRepetition() + ".log").toAbsolutePath();
    long loggedBefore = inferenceLogRows();
    Process serve = new ProcessBuilder(command).redirectErrorStream(true).start();
    List<String> lines = java.util.Collections.synchronizedList(new ArrayList<>());
    CountDownLatch listening = new CountDownLatch(1);
    String[] base = new String[1];
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(serve.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = in.readLine()) != null; ) {
          lines.add(line);
          Matcher m = LISTENING.matcher(line);
          if (m.find()) {
            base[0] = m.group(1);
            listening.countDown();
          }
        }
      } catch (IOException e) {
        // the process ended
      }
    });
    reader.start();
    ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
      while (!listening.await(200, TimeUnit.MILLISECONDS) && serve.isAlive() && System.nanoTime() < deadline) {
        // a server that exits (a class it cannot load) fails the test now, not at the deadline
      }
      if (!serve.isAlive()) {
        reader.join(2_000);
      }
      assertThat(listening.getCount()).as("serve started:\n" + joined(lines)).isZero();
      Outcomes outcomes = new Outcomes();
      long[] stoppedAt = {Long.MAX_VALUE};
      CountDownLatch warmedUp = new CountDownLatch(CLIENTS * 20);
      List<Future<?>> running = new ArrayList<>();
      for (int c = 0; c < CLIENTS; c++) {
        running.add(clients.submit(() -> load(base[0], outcomes, warmedUp, stoppedAt)));
      }
      assertThat(warmedUp.await(60, TimeUnit.SECONDS)).as("the clients got answers before the stop").isTrue();

      stoppedAt[0] = System.nanoTime();
      serve.toHandle().destroy(); // SIGTERM; Process.destroy() would also close our end of its output
      // The signal reaches the JVM asynchronously: /ready must turn well within the drain period.
      HttpClient probe = HttpClient.newHttpClient();
      int ready;
      do {
        ready = probe.send(HttpRequest.newBuilder(URI.create(base[0] + "/ready")).timeout(Duration.ofSeconds(5)).build(),
            HttpResponse.BodyHandlers.ofString()).statusCode();
      } while (ready == 200 && System.nanoTime() - stoppedAt[0] < TimeUnit.SECONDS.toNanos(1));
      long readyAfterMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stoppedAt[0]);

      for (Future<?> client : running) {
        client.get(90, TimeUnit.SECONDS);
      }
      boolean stopped = serve.waitFor(60, TimeUnit.SECONDS);
      reader.join(5_000);
      Files.write(log, lines);
      assertThat(stopped).as("serve stopped").isTrue();
      String output = joined(lines);

      assertThat(ready).as("/ready within a second of SIGTERM (%d ms)", readyAfterMillis).isEqualTo(503);
      assertThat(outcomes.unanswered).as("requests sent that got no answer; log " + log).isEmpty();
      assertThat(outcomes.answeredAfterStop.get()).as("answers during the drain period").isPositive();
      assertThat(outcomes.refusedConnections.get()).as("every client ends on a refused connection").isEqualTo(CLIENTS);
      assertThat(serve.exitValue()).as(output).isZero();
      assertThat(output).contains("SIGTERM received: stopping gracefully", "Stopping: /ready answers 503", "Stopped serving flight-delay@champion.")
          .doesNotContain(" ERROR ");
      assertThat(WithoutSpark.sparkClassesLoaded(classes)).as("Spark or Scala classes the server loaded").isEmpty();
      // The stop wrote what the inference log held: the rows it says it logged are all in the table.
      Matcher logged = Pattern.compile("Logged (\\d+) predictions to monitoring\\.inference_log\\.").matcher(output);
      assertThat(logged.find()).as(output).isTrue();
      assertThat(Long.parseLong(logged.group(1))).as("predictions logged").isPositive();
      assertThat(inferenceLogRows() - loggedBefore).as("rows this server added to monitoring.inference_log").isEqualTo(Long.parseLong(logged.group(1)));
      System.out.printf("SIGTERM run %d: %d answers (%d after SIGTERM), /ready 503 after %d ms, 0 unanswered%n", repetition.getCurrentRepetition(),
          outcomes.answered.get(), outcomes.answeredAfterStop.get(), readyAfterMillis);
    } finally {
      clients.shutdownNow();
      if (serve.isAlive()) {
        serve.destroyForcibly();
      }
    }
  }

  /** One kept-alive client sending predictions until the server refuses its connection. */
  private static Void load(String base, Outcomes outcomes, CountDownLatch warmedUp, long[] stoppedAt) {
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/v1/models/flight-delay/predict")).timeout(Duration.ofSeconds(30))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(RECORD)).build();
    while (true) {
      try {
        HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
        outcomes.answered.incrementAndGet();
        if (System.nanoTime() > stoppedAt[0] && response.statusCode() == 200) {
          outcomes.answeredAfterStop.incrementAndGet();
        }
        warmedUp.countDown();
      } catch (ConnectException e) {
        outcomes.refusedConnections.incrementAndGet(); // never sent: the server no longer accepts
        return null;
      } catch (IOException e) {
        outcomes.unanswered.merge(e.getClass().getSimpleName() + ": " + e.getMessage(), 1, Integer::sum);
        if (System.nanoTime() < stoppedAt[0]) {
          continue;
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return null;
      }
    }
  }
}
