#!/usr/bin/env bash
# The image's entrypoint.
#   ARGS…            any treeline command, e.g. `serve --model flight-delay@champion` (a leading `treeline` is optional)
#   driver ARGS…     a Spark driver pod of spark-submit --master k8s://… --deploy-mode cluster
#   executor         a Spark executor pod (Spark's Kubernetes backend sets the SPARK_* variables read below)
#   spark-class CLASS ARGS…   a Spark daemon, e.g. a standalone master or worker (deploy/compose.yaml)
# `serve` runs as a plain JVM without Spark (the serving image has none); other Treeline commands run under spark-submit with the master TREELINE_SPARK_MASTER (default local[*]); the driver's
# heap is TREELINE_HEAP (default 2g) and TREELINE_JAVA_OPTS adds JVM options. SPARK_SUBMIT_EXTRA_ARGS adds
# spark-submit options, e.g. "--conf spark.executor.instances=2".
set -euo pipefail

SPARK_SUBMIT="${SPARK_HOME:-/opt/spark}/bin/spark-submit"
# On the pods' class paths so that S3A (which the jar carries) is found by Hadoop before any user class loader.
EXTRA_CLASSPATH="$TREELINE_HOME/treeline-jobs.jar"

run_driver() {
  exec "$SPARK_SUBMIT" --deploy-mode client \
    --conf "spark.driver.bindAddress=${SPARK_DRIVER_BIND_ADDRESS:?set by Spark in a driver pod}" \
    --conf "spark.driver.extraClassPath=$EXTRA_CLASSPATH" "$@"
}

run_executor() {
  local executor_opts=()
  while IFS='=' read -r name value; do
    [[ "$name" == SPARK_JAVA_OPT_* ]] && executor_opts+=("$value")
  done < <(env | sort -t_ -k4 -n)
  exec java "${executor_opts[@]}" "-Xms${SPARK_EXECUTOR_MEMORY}" "-Xmx${SPARK_EXECUTOR_MEMORY}" \
    -cp "${SPARK_CLASSPATH:+$SPARK_CLASSPATH:}$EXTRA_CLASSPATH:$SPARK_HOME/jars/*" \
    org.apache.spark.scheduler.cluster.k8s.KubernetesExecutorBackend \
    --driver-url "$SPARK_DRIVER_URL" --executor-id "$SPARK_EXECUTOR_ID" --cores "$SPARK_EXECUTOR_CORES" \
    --app-id "$SPARK_APPLICATION_ID" --hostname "$SPARK_EXECUTOR_POD_IP" \
    --resourceProfileId "${SPARK_RESOURCE_PROFILE_ID:-0}" --podName "${SPARK_EXECUTOR_POD_NAME:-$HOSTNAME}"
}

run_treeline() {
  local java_opts="-Dlog4j2.configurationFile=$TREELINE_HOME/conf/log4j2.xml ${TREELINE_JAVA_OPTS:-}"
  local arg
  local port_file="${HEALTHCHECK_PORT_FILE:-/tmp/treeline-serving-port}"
  rm -f "$port_file"
  for arg in "$@"; do
    if [[ "$arg" == "serve" || "$arg" == "--serve" ]]; then
      # A server allocates short-lived garbage per request: the parallel collector's pauses suit it (docs/benchmarks.md).
      # It runs without Spark: a plain JVM on the jar and serving-lib/, which starts in seconds.
      serving_port "$@" > "$port_file"
      # shellcheck disable=SC2086  # java_opts is a list of options, split on spaces on purpose
      exec java -XX:+UseParallelGC $java_opts "-Xmx${TREELINE_HEAP:-2g}" \
        -cp "$TREELINE_HOME/treeline-jobs.jar:$TREELINE_HOME/serving-lib/*" io.treeline.jobs.Main "$@"
    fi
  done
  if [[ -z "${SPARK_HOME:-}" ]]; then
    echo "error: Cannot run treeline ${1:-}: this is the serving image, which has no Spark; it runs serve only. Use the full image for other commands." >&2
    exit 2
  fi
  # shellcheck disable=SC2086  # SPARK_SUBMIT_EXTRA_ARGS is a list of options, split on spaces on purpose
  exec "$SPARK_SUBMIT" --master "${TREELINE_SPARK_MASTER:-local[*]}" --name "treeline ${1:-}" \
    --driver-memory "${TREELINE_HEAP:-2g}" --driver-java-options "$java_opts" \
    --conf "spark.driver.extraClassPath=$EXTRA_CLASSPATH" --conf "spark.executor.extraClassPath=$EXTRA_CLASSPATH" \
    ${SPARK_SUBMIT_EXTRA_ARGS:-} \
    --class io.treeline.jobs.Main "$TREELINE_HOME/treeline-jobs.jar" "$@"
}

# The port `serve` listens on: --port, else TREELINE_SERVING_PORT, else the default 8080.
serving_port() {
  local port="${TREELINE_SERVING_PORT:-8080}"
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --port) port="${2:-$port}"; shift ;;
      --port=*) port="${1#--port=}" ;;
    esac
    shift
  done
  echo "$port"
}

case "${1:-}" in
  driver) shift; run_driver "$@" ;;
  executor) shift; run_executor ;;
  spark-class) shift; exec "$SPARK_HOME/bin/spark-class" "$@" ;;
  treeline) shift; run_treeline "$@" ;;
  *) run_treeline "$@" ;;
esac
