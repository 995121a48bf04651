#!/usr/bin/env bash
# Runs one treeline batch command on Kubernetes in cluster mode: the driver and the executors are pods of the
# Treeline image, built from deploy/k8s/spark/*-pod-template.yaml. Needs a Spark 4.2 distribution's
# spark-submit (SPARK_HOME) and a kubeconfig for the cluster; the manifests of deploy/k8s applied first.
#   deploy/spark-submit-k8s.sh features materialize --view origin_delays
#   deploy/spark-submit-k8s.sh train --pipeline flight-delay --promote-if-better auc
# Settings (environment):
#   K8S_API_SERVER   the API server, e.g. https://203.0.113.10:6443 (default: the current kubectl context's)
#   K8S_NAMESPACE    default: the current kubectl context's namespace, else "default"
#   TREELINE_IMAGE   default treeline:dev
#   EXECUTORS        default 2; EXECUTOR_CORES default 2; EXECUTOR_MEMORY default 4g; DRIVER_MEMORY default 3g
# spark-submit waits for the driver pod to finish; `kubectl logs` of the driver pod has Treeline's output.
set -euo pipefail

DEPLOY="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
[[ $# -gt 0 ]] || { echo "usage: $0 TREELINE_COMMAND [ARGS…]   e.g. $0 features materialize" >&2; exit 2; }
[[ -n "${SPARK_HOME:-}" && -x "$SPARK_HOME/bin/spark-submit" ]] ||
  { echo "error: set SPARK_HOME to a Spark 4.2 distribution (its bin/spark-submit submits the job)." >&2; exit 2; }

api_server="${K8S_API_SERVER:-}"
namespace="${K8S_NAMESPACE:-}"
if [[ -z "$api_server" || -z "$namespace" ]] && command -v kubectl >/dev/null; then
  api_server="${api_server:-$(kubectl config view --minify -o 'jsonpath={.clusters[0].cluster.server}')}"
  namespace="${namespace:-$(kubectl config view --minify -o 'jsonpath={..namespace}')}"
fi
[[ -n "$api_server" ]] || { echo "error: set K8S_API_SERVER (or install kubectl with a current context)." >&2; exit 2; }
namespace="${namespace:-default}"
image="${TREELINE_IMAGE:-treeline:dev}"
# The jar on the pods' class paths, so that Hadoop finds S3A (which the jar carries) outside user class loaders.
extra_classpath="/opt/treeline/treeline-jobs.jar"

exec "$SPARK_HOME/bin/spark-submit" \
  --master "k8s://$api_server" \
  --deploy-mode cluster \
  --name "treeline-${1}" \
  --class io.treeline.jobs.Main \
  --driver-memory "${DRIVER_MEMORY:-3g}" \
  --conf spark.executor.instances="${EXECUTORS:-2}" \
  --conf spark.executor.cores="${EXECUTOR_CORES:-2}" \
  --conf spark.executor.memory="${EXECUTOR_MEMORY:-4g}" \
  --conf spark.kubernetes.namespace="$namespace" \
  --conf spark.kubernetes.container.image="$image" \
  --conf spark.kubernetes.authenticate.driver.serviceAccountName=treeline-spark \
  --conf spark.kubernetes.driver.podTemplateFile="$DEPLOY/k8s/spark/driver-pod-template.yaml" \
  --conf spark.kubernetes.executor.podTemplateFile="$DEPLOY/k8s/spark/executor-pod-template.yaml" \
  --conf spark.kubernetes.submission.waitAppCompletion=true \
  --conf "spark.driver.extraClassPath=$extra_classpath" \
  --conf "spark.executor.extraClassPath=$extra_classpath" \
  --conf "spark.driver.extraJavaOptions=-Dlog4j2.configurationFile=/opt/treeline/conf/log4j2.xml" \
  local:///opt/treeline/treeline-jobs.jar "$@"
