package io.treeline.jobs;

import static io.treeline.jobs.JobsTestSupport.SHORT_LIVED_JVM;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The proof that the shaded jar runs unchanged on a real cluster: a Spark standalone master and
 * worker in child JVMs on loopback, laid out like a Spark distribution (SPARK_HOME/jars holds
 * exactly Spark's jars, none of Treeline's): `treeline data load`, then features, training and a
 * batch scoring run, each submitted with SparkSubmit.
 */
class SparkStandaloneClusterIT {
  private static final Path TARGET = Path.of("target").toAbsolutePath();
  private static final Path JAR = TARGET.resolve("treeline-jobs.jar");
  private static Path work;
  private static Path sparkHome;
  private static List<String> jvmFlags;
  private static int masterPort;
  private static int masterUiPort;
  private static final List<Process> cluster = new ArrayList<>();

  @BeforeAll
  static void startCluster() throws Exception {
    work = Files.createTempDirectory("treeline-cluster");
    sparkHome = work.resolve("spark");
    Files.createDirectories(sparkHome.resolve("jars"));
    Files.createDirectories(sparkHome.resolve("conf"));
    for (String list : List.of("spark-provided-classpath.txt", "spark-runtime-classpath.txt")) {
      for (String jar : Files.readString(TARGET.resolve("launcher").resolve(list)).trim().split(":")) {
        Path source = Path.of(jar);
        Path link = sparkHome.resolve("jars").resolve(source.getFileName());
        if (!Files.exists(link)) {
          Files.createSymbolicLink(link, source);
        }
      }
    }
    jvmFlags = List.of(Files.readString(TARGET.resolve("launcher/jvm-flags.txt")).trim().split("\\s+"));
    masterPort = freePort();
    masterUiPort = freePort();
    cluster.add(spark("master", "org.apache.spark.deploy.master.Master",
        "--host", "127.0.0.1", "--port", Integer.toString(masterPort), "--webui-port", Integer.toString(masterUiPort)));
    cluster.add(spark("worker", "org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1", "--cores", "2", "--memory", "2g",
        "--webui-port", Integer.toString(freePort()), "--work-dir", work.resolve("worker").toString(),
        "spark://127.0.0.1:" + masterPort));
    awaitAliveWorker();
  }

  @AfterAll
  static void stopCluster() throws IOException {
    for (Process process : cluster) {
      process.destroy();
    }
    for (Process process : cluster) {
      try {
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
          process.destroyForcibly();
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
    if (work != null) {
      try (Stream<Path> files = Files.walk(work)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  @Test
  void the_shaded_jar_loads_flights_trains_and_scores_on_a_standalone_cluster() throws Exception {
    Path lake = work.resolve("lake");
    Path raw = lake.resolve("raw/vega-datasets-3.2.1");
    Files.createDirectories(raw);
    Path resources = Path.of("..", "core", "src", "test", "resources", "flights").toAbsolutePath().normalize();
    Files.copy(resources.resolve("flights-20k.parquet"), raw.resolve("flights-3m.parquet"));
    Files.copy(resources.resolve("airports.csv"), raw.resolve("airports.csv"));
    Path summary = work.resolve("summary.json");

    Process submit = spark("submit", "org.apache.spark.deploy.SparkSubmit",
        "--master", "spark://127.0.0.1:" + masterPort, "--deploy-mode", "client",
        "--class", "io.treeline.jobs.Main",
        "--conf", "spark.driver.host=127.0.0.1", "--conf", "spark.executor.memory=1g", "--conf", "spark.ui.enabled=false",
        "--conf", "spark.executor.extraJavaOptions=" + SHORT_LIVED_JVM, JAR.toString(), "data", "load", "--limit", "10000", "--conf", "lake.root=" + lake, "--summary-json", summary.toString());
    boolean finished = submit.waitFor(5, TimeUnit.MINUTES);

    assertThat(finished).as("spark-submit finished in 5 minutes%n%s", logs()).isTrue();
    assertThat(submit.exitValue()).as("spark-submit exit code%n%s", logs()).isZero();
    JsonNode result = new ObjectMapper().readTree(summary.toFile());
    assertThat(result.get("status").asText()).isEqualTo("succeeded");
    assertThat(result.at("/result/tables/0/table").asText()).isEqualTo("raw.flights");
    assertThat(result.at("/result/tables/0/rows").asLong()).isEqualTo(10_000);
    assertThat(deltaRecords(lake.resolve("tables/raw/flights/_delta_log/00000000000000000000.json"))).isEqualTo(10_000);
    // The executors ran on the worker: it made an application directory with their logs.
    try (Stream<Path> apps = Files.list(work.resolve("worker"))) {
      assertThat(apps.map(p -> p.getFileName().toString())).anyMatch(name -> name.startsWith("app-"));
    }

    // Then a night's batch scoring, as a scheduler would submit it: one view, a small forest (no gate: a week of flights
    // trains a weak model, and the point is where it runs), the last day scored.
    Path conf = Path.of("..", "conf").toAbsolutePath().normalize();
    Path pipeline = work.resolve("cluster-delay.yaml");
    Files.writeString(pipeline, Files.readString(conf.resolve("pipelines/flight-delay.yaml"))
        .replaceAll("(?s)features:\n(  - \\w+\n)+", "features:\n  - origin_delays\n")
        .replaceAll("(?s)baseline:\n  columns: \\[[^]]*]\n", "")
        .replace("train_until: 2001-05-01", "train_until: 2001-01-05")
        .replace("validate_until: 2001-06-01", "validate_until: 2001-01-06")
        .replace("numTrees: 40", "numTrees: 4").replace("maxDepth: 8", "maxDepth: 4").replace("min: 0.65", "min: 0.0")
        .replace("name: flight-delay\n", "name: cluster-delay\n"));
    submit("features", "materialize", "--view", "origin_delays");
    submit("train", "--pipeline", pipeline.toString(), "--register");
    Path scored = work.resolve("score.json");
    submit("score", "--model", "cluster-delay/1", "--sql", "select * from raw.flights where departure_date = '2001-01-07'",
        "--event-time", "departure_time", "--out", "scores.cluster_delay", "--summary-json", scored.toString());
    JsonNode score = new ObjectMapper().readTree(scored.toFile());
    assertThat(score.at("/result/rows").asLong()).isPositive();
    assertThat(score.at("/result/model").asText()).isEqualTo("cluster-delay");
    assertThat(deltaRecords(lake.resolve("tables/scores/cluster_delay/_delta_log/00000000000000000000.json")))
        .isEqualTo(score.at("/result/rows").asLong());
    try (Stream<Path> staged = Files.exists(lake.resolve("_tmp")) ? Files.list(lake.resolve("_tmp")) : Stream.empty()) {
      assertThat(staged).as("the model copied into the lake for the executors is removed").isEmpty();
    }
  }

  /** spark-submit of one treeline command on the cluster, with the lake and the repository's feature views. */
  private void submit(String... command) throws Exception {
    Path conf = Path.of("..", "conf").toAbsolutePath().normalize();
    List<String> args = new ArrayList<>(List.of("--master", "spark://127.0.0.1:" + masterPort, "--deploy-mode", "client",
        "--class", "io.treeline.jobs.Main", "--conf", "spark.driver.host=127.0.0.1", "--conf", "spark.executor.memory=1g",
        "--conf", "spark.ui.enabled=false", "--conf", "spark.executor.extraJavaOptions=" + SHORT_LIVED_JVM, JAR.toString()));
    args.addAll(List.of(command));
    args.addAll(List.of("--conf", "lake.root=" + work.resolve("lake"), "--conf", "features.dir=" + conf.resolve("features"),
        "--conf", "pipelines.dir=" + conf.resolve("pipelines")));
    Process process = spark("submit", "org.apache.spark.deploy.SparkSubmit", args.toArray(String[]::new));
    assertThat(process.waitFor(5, TimeUnit.MINUTES)).as("%s finished in 5 minutes%n%s", command[0], logs()).isTrue();
    assertThat(process.exitValue()).as("%s exit code%n%s", String.join(" ", command), logs()).isZero();
  }

  /** Sums numRecords over the add actions of a Delta commit: the table's rows, read without Spark. */
  private static long deltaRecords(Path commit) throws IOException {
    ObjectMapper json = new ObjectMapper();
    long records = 0;
    for (String line : Files.readAllLines(commit)) {
      JsonNode action = json.readTree(line);
      if (action.has("add")) {
        records += json.readTree(action.get("add").get("stats").asText()).get("numRecords").asLong();
      }
    }
    return records;
  }

  private static Process spark(String name, String mainClass, String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmFlags);
    command.add("-Xmx1g");
    command.add(SHORT_LIVED_JVM);
    command.add("-cp");
    command.add(sparkHome.resolve("conf") + ":" + sparkHome.resolve("jars") + "/*");
    command.add(mainClass);
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(work.resolve(name + ".log").toFile());
    builder.environment().put("SPARK_HOME", sparkHome.toString());
    builder.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    // What bin/spark-class's load-spark-env.sh exports; the worker needs it to build executor commands.
    builder.environment().put("SPARK_SCALA_VERSION", "2.13");
    builder.environment().remove("TREELINE_HOME");
    return builder.start();
  }

  private static void awaitAliveWorker() throws Exception {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (System.nanoTime() < deadline) {
      try {
        HttpResponse<String> response = http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + masterUiPort + "/json/")).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 200 && new ObjectMapper().readTree(response.body()).path("aliveworkers").asInt() >= 1) {
          return;
        }
      } catch (IOException e) {
        // the master's UI is not up yet
      }
      Thread.sleep(500);
    }
    throw new AssertionError("no worker registered with the master in 90 s\n" + logs());
  }

  private static String logs() {
    StringBuilder logs = new StringBuilder();
    for (String name : List.of("master", "worker", "submit")) {
      Path log = work.resolve(name + ".log");
      try {
        if (Files.exists(log)) {
          List<String> lines = Files.readAllLines(log);
          logs.append("--- ").append(name).append(".log (last 40 lines)\n");
          lines.subList(Math.max(0, lines.size() - 40), lines.size()).forEach(l -> logs.append(l).append('\n'));
        }
      } catch (IOException e) {
        logs.append("cannot read ").append(log).append('\n');
      }
    }
    return logs.toString();
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
