package io.treeline.jobs.deploy;

import static io.treeline.jobs.deploy.Manifests.at;
import static io.treeline.jobs.deploy.Manifests.list;
import static io.treeline.jobs.deploy.Manifests.map;
import static io.treeline.jobs.deploy.Manifests.strings;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.treeline.core.config.ConfigKeys;
import io.treeline.core.config.ConfigLoader;
import io.treeline.core.config.TreelineConfig;
import io.treeline.jobs.cli.Cli;
import io.treeline.jobs.deploy.DeployTools.Result;
import io.treeline.serving.http.PredictionServer;
import io.treeline.serving.http.ServerOptions;
import io.treeline.serving.http.ServingConfig;
import io.treeline.serving.http.ServingMetrics;
import io.treeline.serving.model.ModelHost;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine.ParseResult;

/**
 * deploy/ checked with the best tools that run without a container engine or a cluster: every Kubernetes manifest
 * and pod template against the Kubernetes schemas in strict mode (kubeconform), the compose file with Compose's
 * own loader (compose-go), the Dockerfile with hadolint and the scripts with ShellCheck; then what no schema knows:
 * the settings load with Treeline's strict loader, every command line parses with the real CLI, and the probes
 * name routes and a port that a real prediction server answers. Each checker is also shown a broken file and must
 * refuse it, so a checker that passes everything would fail here.
 */
class DeploymentFilesTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final DeployTools TOOLS = DeployTools.installed();

  @TempDir Path temp;

  // ---- Kubernetes ----

  @Test
  void every_kubernetes_manifest_and_pod_template_validates_against_the_schemas_in_strict_mode() throws IOException {
    List<Path> files = Manifests.kubernetesFiles();
    int documents = files.stream().mapToInt(f -> Manifests.documents(f).size()).sum();
    assertThat(files.stream().map(f -> Manifests.K8S.relativize(f).toString())).contains("configmap.yaml", "secret.example.yaml",
        "serviceaccounts.yaml", "serving-deployment.yaml", "serving-service.yaml", "serving-hpa.yaml", "serving-pdb.yaml",
        "cronjob-materialize-train.yaml", "cronjob-score.yaml", "cronjob-monitor.yaml", "spark/driver-pod-template.yaml", "spark/executor-pod-template.yaml");

    JsonNode summary = kubeconform(files);

    assertThat(summary.path("valid").asInt()).as("valid resources").isEqualTo(documents);
    assertThat(documents).isEqualTo(15);
  }

  @Test
  void kubeconform_refuses_an_unknown_field_a_wrong_type_and_an_unknown_kind() throws IOException {
    Path typo = temp.resolve("typo.yaml");
    Files.writeString(typo, DeployTools.read(Manifests.K8S.resolve("serving-deployment.yaml")).replace("readinessProbe:", "readynessProbe:"));
    Path wrongType = temp.resolve("wrong-type.yaml");
    Files.writeString(wrongType, DeployTools.read(Manifests.K8S.resolve("serving-hpa.yaml")).replace("minReplicas: 2", "minReplicas: two"));
    Path unknownKind = temp.resolve("unknown-kind.yaml");
    Files.writeString(unknownKind, "apiVersion: apps/v1\nkind: Deploymnet\nmetadata:\n  name: x\n");

    Result result = DeployTools.run(kubeconformCommand(List.of(typo, wrongType, unknownKind)), Map.of());

    assertThat(result.exitCode()).as(result.output()).isEqualTo(1);
    assertThat(result.output()).contains("readynessProbe").contains("minReplicas").contains("Deploymnet");
    JsonNode summary = JSON.readTree(result.output()).path("summary");
    assertThat(summary.path("invalid").asInt() + summary.path("errors").asInt()).isEqualTo(3);
  }

  @Test
  void the_kustomization_applies_every_manifest_but_the_example_secret_and_ships_the_pod_templates() {
    Map<String, Object> kustomization = Manifests.document(Manifests.K8S.resolve("kustomization.yaml"));
    List<String> resources = strings(kustomization.get("resources"));
    List<String> manifests = new ArrayList<>();
    try (var files = Files.list(Manifests.K8S)) {
      files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".yaml")).sorted().forEach(manifests::add);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    manifests.removeAll(List.of("kustomization.yaml", "secret.example.yaml"));
    assertThat(resources).containsExactlyInAnyOrderElementsOf(manifests);

    Map<String, Object> generator = map(list(kustomization.get("configMapGenerator")).get(0));
    assertThat(generator.get("name")).isEqualTo("treeline-spark-pod-templates");
    for (String entry : strings(generator.get("files"))) {
      assertThat(Manifests.K8S.resolve(entry.substring(entry.indexOf('=') + 1))).isRegularFile();
    }
    Map<String, Object> cronJob = Manifests.kind("CronJob", "treeline-materialize-train");
    List<Object> volumes = list(at(cronJob, "spec", "jobTemplate", "spec", "template", "spec", "volumes"));
    assertThat(volumes).anySatisfy(v -> assertThat(at(v, "configMap", "name")).isEqualTo("treeline-spark-pod-templates"));
    for (Map<String, Object> driver : List.of(container(cronJob, "initContainers", "materialize"), container(cronJob, "containers", "train"))) {
      String submitArgs = envOf(driver).get("SPARK_SUBMIT_EXTRA_ARGS");
      assertThat(submitArgs).contains("spark.kubernetes.executor.podTemplateFile=/etc/treeline-spark/executor-pod-template.yaml")
          .contains("spark.kubernetes.container.image=" + driver.get("image") + " ");
      assertThat(list(driver.get("volumeMounts"))).anySatisfy(m -> {
        assertThat(at(m, "name")).isEqualTo("spark-templates");
        assertThat(at(m, "mountPath")).isEqualTo("/etc/treeline-spark");
      });
    }
  }

  @Test
  void the_example_secret_holds_only_placeholders() {
    Map<String, Object> secret = Manifests.kind("Secret", "treeline-secrets");
    assertThat(map(secret.get("stringData"))).isNotEmpty()
        .allSatisfy((key, value) -> assertThat(String.valueOf(value)).startsWith("REPLACE_WITH_"));
    assertThat(secret).doesNotContainKey("data");
  }

  @Test
  void every_pod_runs_restricted() {
    List<Map<String, Object>> podSpecs = new ArrayList<>();
    podSpecs.add(map(at(Manifests.kind("Deployment", "treeline-serving"), "spec", "template", "spec")));
    podSpecs.add(map(at(Manifests.kind("CronJob", "treeline-materialize-train"), "spec", "jobTemplate", "spec", "template", "spec")));
    podSpecs.add(map(at(Manifests.kind("CronJob", "treeline-score"), "spec", "jobTemplate", "spec", "template", "spec")));
    podSpecs.add(map(at(Manifests.kind("CronJob", "treeline-monitor"), "spec", "jobTemplate", "spec", "template", "spec")));
    podSpecs.add(map(Manifests.document(Manifests.K8S.resolve("spark/driver-pod-template.yaml")).get("spec")));
    podSpecs.add(map(Manifests.document(Manifests.K8S.resolve("spark/executor-pod-template.yaml")).get("spec")));
    for (Map<String, Object> spec : podSpecs) {
      assertThat(at(spec, "securityContext", "runAsNonRoot")).isEqualTo(true);
      assertThat(at(spec, "securityContext", "seccompProfile", "type")).isEqualTo("RuntimeDefault");
      List<Object> containers = new ArrayList<>(list(spec.get("containers")));
      containers.addAll(list(spec.get("initContainers")));
      for (Object container : containers) {
        assertThat(at(container, "securityContext", "allowPrivilegeEscalation")).isEqualTo(false);
        assertThat(at(container, "securityContext", "readOnlyRootFilesystem")).isEqualTo(true);
        assertThat(strings(at(container, "securityContext", "capabilities", "drop"))).containsExactly("ALL");
        // The root file system is read-only: Spark's scratch space, the JVM's and --summary-json need a writable /tmp.
        List<String> mountPaths = list(map(container).get("volumeMounts")).stream().map(m -> String.valueOf(at(m, "mountPath"))).toList();
        assertThat(mountPaths).contains("/tmp");
        // A mount inside another (read-only) volume needs a directory the runtime cannot create there.
        for (String path : mountPaths) {
          assertThat(mountPaths).noneMatch(other -> !other.equals(path) && other.startsWith(path + "/"));
        }
      }
    }
  }

  // ---- Compose ----

  @Test
  void the_compose_file_loads_with_composes_own_loader() {
    Result result = DeployTools.run(TOOLS.composecheck().toString(), "deploy/compose.yaml");

    assertThat(result.exitCode()).as(result.output()).isZero();
    assertThat(result.output()).contains("9 services: [bucket kafka mlflow redis s3 serving spark-master spark-worker stream]");
  }

  @Test
  void composecheck_refuses_an_unknown_dependency_and_an_unknown_key() throws IOException {
    String compose = DeployTools.read(DeployTools.DEPLOY.resolve("compose.yaml"));
    Path unknownService = DeployTools.DEPLOY.resolve("compose/.broken-dependency.compose.yaml");
    Path unknownKey = DeployTools.DEPLOY.resolve("compose/.broken-key.compose.yaml");
    try {
      Files.writeString(unknownService, compose.replace("      spark-master:\n        condition: service_healthy",
          "      spark-mastr:\n        condition: service_healthy"));
      Files.writeString(unknownKey, compose.replace("    restart: unless-stopped\n    stop_grace_period: 30s",
          "    restart: unless-stopped\n    stop_grace_periode: 30s"));

      Result dependency = DeployTools.run(TOOLS.composecheck().toString(), unknownService.toString());
      Result key = DeployTools.run(TOOLS.composecheck().toString(), unknownKey.toString());

      assertThat(dependency.exitCode()).as(dependency.output()).isEqualTo(1);
      assertThat(dependency.output()).contains("spark-mastr");
      assertThat(key.exitCode()).as(key.output()).isEqualTo(1);
      assertThat(key.output()).contains("stop_grace_periode");
    } finally {
      Files.deleteIfExists(unknownService);
      Files.deleteIfExists(unknownKey);
    }
  }

  // ---- Dockerfile and scripts ----

  @Test
  void the_dockerfile_passes_hadolint() {
    Result result = DeployTools.run(TOOLS.hadolint().toString(), "deploy/Dockerfile");

    assertThat(result.exitCode()).as(result.output()).isZero();
  }

  @Test
  void hadolint_refuses_an_unpinned_image_and_unpinned_packages() throws IOException {
    Path broken = temp.resolve("Dockerfile");
    Files.writeString(broken, "FROM ubuntu\nRUN apt-get update && apt-get install -y curl\n");

    Result result = DeployTools.run(TOOLS.hadolint().toString(), broken.toString());

    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.output()).contains("DL3006").contains("DL3008");
  }

  @Test
  void the_dockerfile_builds_in_stages_runs_as_a_fixed_non_root_user_and_checks_health() {
    List<String> instructions = dockerInstructions(DeployTools.read(DeployTools.DEPLOY.resolve("Dockerfile")));
    Map<String, String> args = new LinkedHashMap<>();
    instructions.stream().filter(i -> i.startsWith("ARG ") && i.contains("="))
        .forEach(i -> args.put(i.substring(4, i.indexOf('=')).trim(), i.substring(i.indexOf('=') + 1).trim()));
    List<String> froms = instructions.stream().filter(i -> i.startsWith("FROM ")).toList();

    assertThat(froms).hasSize(4);
    // The serving stage: the jar and serving-lib/, and no Spark (serve runs without it).
    int serving = instructions.indexOf("FROM ${JRE_IMAGE} AS serving");
    List<String> servingStage = instructions.subList(serving + 1, instructions.indexOf("FROM ${JRE_IMAGE}"));
    assertThat(servingStage).anySatisfy(i -> assertThat(i).isEqualTo("COPY --from=build /out/serving-lib /opt/treeline/serving-lib"))
        .noneSatisfy(i -> assertThat(i).contains("--from=spark")).noneSatisfy(i -> assertThat(i).contains("SPARK_HOME"));
    for (String from : froms) {
      String image = from.split("\\s+")[1];
      Matcher variable = Pattern.compile("\\$\\{(\\w+)}").matcher(image);
      String resolved = variable.matches() ? args.get(variable.group(1)) : image;
      assertThat(resolved).as(from).matches("[\\w./-]+:[\\w.-]+").doesNotEndWith(":latest");
    }
    assertThat(args.get("PYSPARK_VERSION")).isEqualTo("4.2.0");
    assertThat(args.get("PYSPARK_SHA256")).matches("[0-9a-f]{64}");
    List<String> users = instructions.stream().filter(i -> i.startsWith("USER ")).toList();
    String user = users.get(users.size() - 1).substring(5).replace("${TREELINE_UID}", args.get("TREELINE_UID"));
    assertThat(user).matches("[1-9]\\d*:[1-9]\\d*");
    assertThat(user).startsWith(String.valueOf(at(Manifests.kind("Deployment", "treeline-serving"), "spec", "template", "spec",
        "securityContext", "runAsUser")) + ":");
    assertThat(instructions).anySatisfy(i -> assertThat(i).startsWith("HEALTHCHECK ").contains("CMD [\"/opt/treeline/bin/healthcheck.sh\"]"));
    assertThat(instructions).anySatisfy(i -> assertThat(i).isEqualTo("ENTRYPOINT [\"/opt/treeline/bin/docker-entrypoint.sh\"]"));
    assertThat(DeployTools.read(DeployTools.DEPLOY.resolve("Dockerfile.dockerignore"))).contains("**/target").contains("lake").contains(".git");
  }

  @Test
  void the_scripts_pass_shellcheck() {
    Result result = DeployTools.run(TOOLS.shellcheck().toString(), "deploy/docker-entrypoint.sh", "deploy/healthcheck.sh",
        "deploy/spark-submit-k8s.sh");

    assertThat(result.exitCode()).as(result.output()).isZero();
  }

  @Test
  void shellcheck_refuses_an_unquoted_expansion() throws IOException {
    Path broken = temp.resolve("broken.sh");
    Files.writeString(broken, "#!/usr/bin/env bash\nrm -rf $1/*\n");

    Result result = DeployTools.run(TOOLS.shellcheck().toString(), broken.toString());

    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.output()).contains("SC2086");
  }

  // ---- What no schema knows ----

  @Test
  void the_settings_load_with_treelines_strict_loader_in_every_container_environment() throws IOException {
    Path configMapYaml = temp.resolve("configmap-treeline.yaml");
    Files.writeString(configMapYaml, String.valueOf(at(Manifests.kind("ConfigMap", "treeline-config"), "data", "treeline.yaml")));
    Map<String, String> secretEnv = new LinkedHashMap<>();
    map(Manifests.kind("Secret", "treeline-secrets").get("stringData")).forEach((k, v) -> secretEnv.put(k, String.valueOf(v)));

    for (Map<String, Object> container : kubernetesTreelineContainers()) {
      Map<String, String> env = new LinkedHashMap<>(secretEnv);
      env.putAll(envOf(container));
      assertThat(env.get("TREELINE_CONFIG")).isEqualTo("/etc/treeline/treeline.yaml");
      TreelineConfig config = ConfigLoader.builder().file(configMapYaml).environment(env).load();
      assertThat(config.lakeRoot()).startsWith("s3a://");
      assertThat(config.registryType()).isEqualTo("mlflow");
      assertThat(config.onlineStoreType()).isEqualTo("redis");
    }

    Path composeYaml = DeployTools.DEPLOY.resolve("compose/treeline.yaml");
    for (Map.Entry<String, Map<String, Object>> service : composeTreelineServices().entrySet()) {
      Map<String, String> env = composeEnv(service.getValue());
      assertThat(env.get("TREELINE_CONFIG")).isEqualTo("/etc/treeline/treeline.yaml");
      assertThat(strings(service.getValue().get("volumes"))).contains("./compose/treeline.yaml:/etc/treeline/treeline.yaml:ro");
      TreelineConfig config = ConfigLoader.builder().file(composeYaml).environment(env).load();
      assertThat(config.lakeRoot()).isEqualTo("s3a://treeline/lake");
      assertThat(config.get(ConfigKeys.LAKE_S3_ENDPOINT)).isEqualTo("http://s3:80");
      assertThat(config.kafkaBootstrapServers()).isEqualTo("kafka:9092");
      assertThat(config.mlflowTrackingUri()).isEqualTo("http://mlflow:5000");
    }
  }

  @Test
  void every_treeline_command_line_in_the_deployment_files_parses_with_the_real_cli() {
    Map<String, List<String>> commandLines = new LinkedHashMap<>();
    for (Map<String, Object> container : kubernetesTreelineContainers()) {
      commandLines.put("k8s " + container.get("name"), strings(container.get("args")));
    }
    composeTreelineServices().forEach((name, service) -> commandLines.put("compose " + name, strings(service.get("command"))));
    assertThat(commandLines.keySet()).containsExactlyInAnyOrder("k8s serving", "k8s materialize", "k8s train", "k8s score", "k8s monitor", "compose serving",
        "compose stream");

    for (Map.Entry<String, List<String>> entry : commandLines.entrySet()) {
      ParseResult parsed = Cli.commandLine().parseArgs(entry.getValue().toArray(String[]::new));
      assertThat(parsed.hasSubcommand()).as(entry.getKey()).isTrue();
      ParseResult leaf = parsed;
      while (leaf.hasSubcommand()) {
        leaf = leaf.subcommand();
      }
      assertThat(leaf.unmatched()).as(entry.getKey()).isEmpty();
      assertThat(leaf.commandSpec().userObject()).as(entry.getKey() + " must run a command, not a group").isInstanceOf(java.util.concurrent.Callable.class);
      if (leaf.hasMatchedOption("--summary-json")) {
        // The root file system is read-only in Kubernetes: the summary goes to the /tmp volume.
        assertThat(leaf.matchedOptionValue("--summary-json", Path.of("")).toString()).startsWith("/tmp/");
      }
      if (leaf.hasMatchedOption("--model")) {
        // serve takes --model repeatedly, score once
        Object value = leaf.matchedOption("--model").getValue();
        List<String> models = value instanceof List<?> list ? list.stream().map(String::valueOf).toList() : List.of(String.valueOf(value));
        models.forEach(ModelHost.Served::parse);
      }
    }
  }

  @Test
  void every_treeline_command_in_the_operations_docs_parses_with_the_real_cli() {
    List<List<String>> commands = new ArrayList<>();
    commands.addAll(DocCommands.in(DeployTools.REPO.resolve("docs/operations.md")));
    commands.addAll(DocCommands.in(DeployTools.DEPLOY.resolve("README.md")));
    assertThat(commands).hasSizeGreaterThanOrEqualTo(24);
    assertThat(commands).anySatisfy(c -> assertThat(c).endsWith("--summary-json", "/var/log/treeline/train.json"));

    for (List<String> command : commands) {
      ParseResult parsed = Cli.commandLine().parseArgs(command.toArray(String[]::new));
      ParseResult leaf = parsed;
      while (leaf.hasSubcommand()) {
        leaf = leaf.subcommand();
      }
      assertThat(leaf.unmatched()).as(String.join(" ", command)).isEmpty();
      boolean help = leaf.isUsageHelpRequested() || parsed.isUsageHelpRequested();
      assertThat(help || leaf.commandSpec().userObject() instanceof java.util.concurrent.Callable)
          .as(String.join(" ", command) + " must name a command").isTrue();
    }
  }

  @Test
  void the_probes_name_routes_and_a_port_that_a_real_prediction_server_answers() throws Exception {
    Map<String, Object> deployment = Manifests.kind("Deployment", "treeline-serving");
    Map<String, Object> container = container(deployment, "containers", "serving");
    Path configMapYaml = temp.resolve("configmap-treeline.yaml");
    Files.writeString(configMapYaml, String.valueOf(at(Manifests.kind("ConfigMap", "treeline-config"), "data", "treeline.yaml")));
    ServerOptions options = ServingConfig.options(ConfigLoader.builder().file(configMapYaml).environment(envOf(container)).load());

    assertThat(options.host()).isEqualTo("0.0.0.0");
    Map<String, Object> port = map(list(container.get("ports")).get(0));
    assertThat(port.get("name")).isEqualTo("http");
    assertThat(port.get("containerPort")).isEqualTo(options.port());
    assertThat(at(Manifests.kind("Service", "treeline-serving"), "spec", "ports", 0, "targetPort")).isEqualTo("http");
    assertThat(at(container, "readinessProbe", "httpGet", "path")).isEqualTo("/ready");
    assertThat(at(container, "livenessProbe", "httpGet", "path")).isEqualTo("/health");
    assertThat(at(container, "startupProbe", "httpGet", "path")).isEqualTo("/health");
    for (String probe : List.of("readinessProbe", "livenessProbe", "startupProbe")) {
      assertThat(at(container, probe, "httpGet", "port")).isEqualTo("http");
    }
    int grace = (Integer) at(deployment, "spec", "template", "spec", "terminationGracePeriodSeconds");
    int preStop = (Integer) at(container, "lifecycle", "preStop", "sleep", "seconds");
    assertThat(grace).isGreaterThan(preStop + (int) options.shutdownGrace().toSeconds());

    // While a model loads, both probes' routes answer 503 (the startup probe waits); once loaded, 200.
    String[] served = strings(container.get("args")).stream().dropWhile(a -> !a.equals("--model")).skip(1).limit(1).toArray(String[]::new);
    try (ModelHost loading = new ModelHost(null, List.of(ModelHost.Served.parse(served[0])), new ServingMetrics());
        PredictionServer server = new PredictionServer(loading, null, "redis", options.withPort(0).withShutdown(java.time.Duration.ZERO, options.shutdownGrace()), new ServingMetrics(), "test").start()) {
      assertThat(status(server.port(), "/health")).isEqualTo(503);
      assertThat(status(server.port(), "/ready")).isEqualTo(503);
      assertThat(healthcheck(server.port()).exitCode()).isEqualTo(1);
    }
    try (ModelHost loaded = new ModelHost(null, List.of(), new ServingMetrics());
        PredictionServer server = new PredictionServer(loaded, null, "redis", options.withPort(0).withShutdown(java.time.Duration.ZERO, options.shutdownGrace()), new ServingMetrics(), "test").start()) {
      assertThat(status(server.port(), "/health")).isEqualTo(200);
      assertThat(status(server.port(), "/ready")).isEqualTo(200);
      assertThat(healthcheck(server.port()).exitCode()).isZero();
    }
  }

  @Test
  void the_image_healthcheck_passes_for_commands_that_are_not_a_server() {
    Result result = DeployTools.run(List.of("deploy/healthcheck.sh"), Map.of("HEALTHCHECK_PORT_FILE", temp.resolve("absent").toString()));

    assertThat(result.exitCode()).as(result.output()).isZero();
  }

  // ---- helpers ----

  private JsonNode kubeconform(List<Path> files) throws IOException {
    Result result = DeployTools.run(kubeconformCommand(files), Map.of());
    assertThat(result.exitCode()).as(result.output()).isZero();
    JsonNode summary = JSON.readTree(result.output()).path("summary");
    assertThat(summary.path("invalid").asInt()).as(result.output()).isZero();
    assertThat(summary.path("errors").asInt()).as(result.output()).isZero();
    assertThat(summary.path("skipped").asInt()).as(result.output()).isZero();
    return summary;
  }

  private static List<String> kubeconformCommand(List<Path> files) {
    List<String> command = new ArrayList<>(List.of(TOOLS.kubeconform().toString(), "-strict", "-summary", "-output", "json",
        "-kubernetes-version", TOOLS.kubernetesVersion(), "-schema-location", TOOLS.schemaLocation()));
    files.forEach(f -> command.add(f.toString()));
    return command;
  }

  private Result healthcheck(int port) {
    Path portFile = temp.resolve("serving-port");
    try {
      Files.writeString(portFile, port + "\n");
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return DeployTools.run(List.of("deploy/healthcheck.sh"), Map.of("HEALTHCHECK_PORT_FILE", portFile.toString()));
  }

  private static int status(int port, String path) throws Exception {
    HttpResponse<Void> response = HttpClient.newHttpClient()
        .send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(), HttpResponse.BodyHandlers.discarding());
    return response.statusCode();
  }

  /** The containers of the Kubernetes manifests that run the Treeline image's treeline commands. */
  private static List<Map<String, Object>> kubernetesTreelineContainers() {
    List<Map<String, Object>> containers = new ArrayList<>();
    containers.add(container(Manifests.kind("Deployment", "treeline-serving"), "containers", "serving"));
    Map<String, Object> cronJob = Manifests.kind("CronJob", "treeline-materialize-train");
    containers.add(container(cronJob, "initContainers", "materialize"));
    containers.add(container(cronJob, "containers", "train"));
    containers.add(container(Manifests.kind("CronJob", "treeline-score"), "containers", "score"));
    containers.add(container(Manifests.kind("CronJob", "treeline-monitor"), "containers", "monitor"));
    return containers;
  }

  private static Map<String, Object> container(Map<String, Object> workload, String field, String name) {
    Object podSpec = "CronJob".equals(workload.get("kind"))
        ? at(workload, "spec", "jobTemplate", "spec", "template", "spec") : at(workload, "spec", "template", "spec");
    return list(map(podSpec).get(field)).stream().map(Manifests::map).filter(c -> name.equals(c.get("name"))).findFirst()
        .orElseThrow(() -> new IllegalStateException("no container " + name + " in " + field));
  }

  private static Map<String, String> envOf(Map<String, Object> container) {
    Map<String, String> env = new LinkedHashMap<>();
    for (Object variable : list(container.get("env"))) {
      Map<String, Object> entry = map(variable);
      if (entry.containsKey("value")) {
        env.put(String.valueOf(entry.get("name")), String.valueOf(entry.get("value")));
      }
    }
    return env;
  }

  /** The compose services that run a treeline command (the Spark daemons use the same image for spark-class). */
  private static Map<String, Map<String, Object>> composeTreelineServices() {
    Map<String, Object> compose = Manifests.parseYaml(DeployTools.read(DeployTools.DEPLOY.resolve("compose.yaml")));
    Map<String, Map<String, Object>> services = new LinkedHashMap<>();
    map(compose.get("services")).forEach((name, value) -> {
      Map<String, Object> service = map(value);
      List<String> command = strings(service.get("command"));
      if ("treeline:dev".equals(service.get("image")) && !command.isEmpty() && !command.get(0).equals("spark-class")) {
        services.put(name, service);
      }
    });
    return services;
  }

  private static Map<String, String> composeEnv(Map<String, Object> service) {
    Map<String, String> env = new LinkedHashMap<>();
    Pattern defaulted = Pattern.compile("\\$\\{\\w+:-([^}]*)}");
    map(service.get("environment")).forEach((k, v) -> env.put(k, defaulted.matcher(String.valueOf(v)).replaceAll("$1")));
    return env;
  }

  /** Dockerfile instructions with continuation lines joined and comments dropped. */
  private static List<String> dockerInstructions(String dockerfile) {
    List<String> instructions = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (String line : dockerfile.split("\n")) {
      String trimmed = line.trim();
      if (trimmed.startsWith("#") || (trimmed.isEmpty() && current.isEmpty())) {
        continue;
      }
      if (trimmed.endsWith("\\")) {
        current.append(trimmed, 0, trimmed.length() - 1).append(' ');
      } else {
        current.append(trimmed);
        instructions.add(current.toString().replaceAll("\\s+", " ").trim());
        current.setLength(0);
      }
    }
    return instructions;
  }
}
