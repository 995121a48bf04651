package io.treeline.jobs.cli;

import io.treeline.jobs.serve.ServeModels;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description = {
      "Serve registered models over HTTP: each version is loaded from the registry, compiled to plain Java (no Spark per request) and warmed; "
          + "a request carries entity keys and request features, the rest is read from the online store (online-store.type) in one batched call.",
      "",
      "APIs (GET /openapi.json describes them): POST /v1/models/NAME/predict {\"records\": [...]} (?explain=true lists the values used); "
          + "MLflow's POST /invocations, GET /ping, /health, /version; Open Inference Protocol v2 POST /v2/models/NAME/infer, GET /v2/models/NAME, "
          + "/v2/health/live, /v2/health/ready; GET /ready; GET /metrics (Prometheus).",
      "",
      "Aliases are polled every serving.poll-interval-seconds: a moved alias is loaded and warmed off the request path, then swapped in. "
          + "Auth (serving.auth.*), rate limits (serving.rate-limit.*) and TLS (serving.tls.*) are settings; docs/serving.md has them all."
    })
final class ServeCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--model", paramLabel = "[NAME=]MODEL",
      description = "A model to serve: NAME@ALIAS (follows the alias), NAME/VERSION (pinned) or NAME (newest); NAME=… serves it under another name "
          + "(e.g. --model challenger=flight-delay@challenger). Repeatable; /invocations serves the first name.")
  List<String> models = new ArrayList<>();

  @Option(names = "--route", paramLabel = "NAME=ARM:WEIGHT,…",
      description = "Split NAME's traffic between arms by weight, e.g. --route flight-delay=champion:90,challenger:10. An arm is an alias or a version "
          + "of the model (or MODEL@ALIAS, MODEL/VERSION) and follows its alias on its own; each answer names its arm (X-Treeline-Arm, and \"arm\" in /v1). "
          + "A caller keeps its arm by serving.route-key (--route-key). Repeatable; also serving.routes.")
  List<String> routes = new ArrayList<>();

  @Option(names = "--shadow", paramLabel = "NAME=ARM",
      description = "Also score ARM on every request NAME answers, with the same looked-up features, after the answer and off the request path; "
          + "its predictions go to the inference log (origin shadow) and metrics, never to the caller. Repeatable; also serving.shadows.")
  List<String> shadows = new ArrayList<>();

  @Option(names = "--route-key", paramLabel = "header:NAME|field:NAME",
      description = "What keeps a caller on one arm: a header (header:X-Caller-Id) or the first record's field (field:origin); "
          + "default serving.route-key, empty: a random arm per request.")
  String routeKey;

  @Option(names = "--port", paramLabel = "PORT", description = "Port to listen on (default: serving.port, 8080; 0 picks a free one).")
  Integer port;

  @Override
  public Integer call() {
    return CommandRunner.run(spec, config -> new ServeModels(new ServeModels.Serving(models, routes, shadows, routeKey), port));
  }
}
