package io.treeline.jobs.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.treeline.jobs.deploy.DeployTools.Result;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The image's entrypoint and spark-submit-k8s.sh run for real, without a container engine: the image's layout is
 * laid out in a directory (SPARK_HOME the Spark 4.2.0 distribution that pyspark==4.2.0 carries, as the Dockerfile
 * installs it; TREELINE_HOME with the shaded jar and conf/), and the scripts are run as the image runs them.
 */
class ImageEntrypointIT {
  private static final Path JAR = Path.of("target/treeline-jobs.jar").toAbsolutePath();

  @TempDir static Path image;
  private static Path sparkHome;
  private static Path treelineHome;

  @BeforeAll
  static void layOutTheImage() throws IOException {
    String venv = System.getenv("TREELINE_PYTHON_VENV");
    Path root = venv != null && !venv.isBlank() ? Path.of(venv) : Path.of(System.getProperty("user.home"),
        ".cache/treeline/venv-mlflow-3.17.2-pyspark-4.2.0-pandas2");
    try (Stream<Path> lib = Files.list(root.resolve("lib"))) {
      sparkHome = lib.map(p -> p.resolve("site-packages/pyspark")).filter(p -> Files.isExecutable(p.resolve("bin/spark-submit")))
          .findFirst().orElseThrow(() -> new IllegalStateException("No pyspark with bin/spark-submit under " + root
              + ": run bin/test once (it creates the venv with pyspark==4.2.0)."));
    }
    treelineHome = image.resolve("opt/treeline");
    Files.createDirectories(treelineHome.resolve("jars"));
    Files.createSymbolicLink(treelineHome.resolve("treeline-jobs.jar"), JAR);
    Files.createSymbolicLink(treelineHome.resolve("conf"), DeployTools.REPO.resolve("conf"));
    // serving-lib/: the jars serving-classpath.txt names, as the Dockerfile copies them (serve runs on them, without Spark).
    Files.createDirectories(treelineHome.resolve("serving-lib"));
    for (String jar : Files.readString(Path.of("target", "launcher", "serving-classpath.txt")).trim().split(java.io.File.pathSeparator)) {
      Files.createSymbolicLink(treelineHome.resolve("serving-lib").resolve(Path.of(jar).getFileName()), Path.of(jar));
    }
    Files.createDirectories(image.resolve("tmp"));
  }

  @Test
  void a_treeline_command_runs_under_spark_submit_with_its_exit_code_and_summary() throws IOException {
    Path summary = image.resolve("tmp/sql.json");

    Result ok = entrypoint(Map.of(), "sql", "SELECT 40 + 2 AS answer", "--format", "json", "--summary-json", summary.toString());

    assertThat(ok.exitCode()).as(ok.output()).isZero();
    assertThat(ok.output()).contains("\"answer\":42");
    JsonNode written = new ObjectMapper().readTree(summary.toFile());
    assertThat(written.path("status").asText()).isEqualTo("succeeded");
    assertThat(written.path("exit_code").asInt()).isZero();

    Result missing = entrypoint(Map.of(), "treeline", "sql", "SELECT * FROM raw.no_such_table", "--summary-json", summary.toString());

    assertThat(missing.exitCode()).as(missing.output()).isEqualTo(2);
    assertThat(new ObjectMapper().readTree(summary.toFile()).path("status").asText()).isEqualTo("failed");
  }

  @Test
  void serve_leaves_the_port_for_the_health_check_and_other_commands_remove_it() throws IOException {
    Path portFile = image.resolve("tmp/serving-port");
    int port = freePort();

    // No model is registered in this empty lake: serve stops, but only after the entrypoint prepared the check.
    Result serve = entrypoint(Map.of("HEALTHCHECK_PORT_FILE", portFile.toString()), "serve", "--model", "flight-delay@champion",
        "--port", Integer.toString(port));

    assertThat(serve.exitCode()).as(serve.output()).isNotZero();
    assertThat(serve.output()).contains("flight-delay");
    assertThat(Files.readString(portFile).trim()).isEqualTo(Integer.toString(port));

    Result other = entrypoint(Map.of("HEALTHCHECK_PORT_FILE", portFile.toString()), "--version");

    assertThat(other.exitCode()).as(other.output()).isZero();
    assertThat(portFile).doesNotExist();
  }

  @Test
  void spark_submit_on_kubernetes_accepts_every_option_and_the_driver_pod_template() throws IOException {
    // Nothing listens on this port: spark-submit gets as far as creating the driver pod. Before that it has parsed
    // every option and loaded the driver pod template with Kubernetes' own client (a broken template stops it there).
    int apiPort = freePort();

    Result result = DeployTools.run(List.of("deploy/spark-submit-k8s.sh", "features", "materialize", "--view", "origin_delays"),
        Map.of("SPARK_HOME", sparkHome.toString(), "K8S_API_SERVER", "https://127.0.0.1:" + apiPort, "K8S_NAMESPACE", "treeline-test",
            "SPARK_LOCAL_IP", "127.0.0.1"));

    assertThat(result.exitCode()).isNotZero();
    assertThat(result.output()).contains("Connection refused").contains("127.0.0.1:" + apiPort)
        .doesNotContain("Could not load pod from template file").doesNotContain("Error: ");
  }

  private static Result entrypoint(Map<String, String> extra, String... args) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("SPARK_HOME", sparkHome.toString());
    env.put("TREELINE_HOME", treelineHome.toString());
    env.put("TREELINE_LAKE_ROOT", image.resolve("lake").toString());
    env.put("TREELINE_HEAP", "1g");
    env.put("HEALTHCHECK_PORT_FILE", image.resolve("tmp/serving-port").toString());
    env.put("SPARK_LOCAL_IP", "127.0.0.1");
    env.putAll(extra);
    List<String> command = new java.util.ArrayList<>(List.of("deploy/docker-entrypoint.sh"));
    command.addAll(List.of(args));
    return DeployTools.run(command, env);
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
