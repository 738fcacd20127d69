#!/usr/bin/env bash
# Runs the operator on this machine against a real, embedded control plane, without a cluster:
# etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok (fake Nodes whose Pods turn Running), all on
# 127.0.0.1; installs the CRD; starts the packaged operator; applies examples/reference.yaml (and what it refers
# to); shows the sandbox's status and the objects it owns; then keeps running, with a KUBECONFIG to explore, until
# Ctrl+C stops everything.
#
# Usage: hack/run-local.sh [EXAMPLE]     EXAMPLE: a file of AgentSandboxes (default examples/reference.yaml)
#   Needs a JDK 17+, and Go >= 1.24 for the first run (hack/provision-control-plane.sh builds the control plane,
#   ~15 min once; then under a second).
#   RUN_LOCAL_DIR   work directory: logs, kubeconfig, etcd data (default: operator/target/run-local)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

work="${RUN_LOCAL_DIR:-operator/target/run-local}"
echo "==> control plane binaries (hack/provision-control-plane.sh)"
hack/ensure-control-plane.sh

echo "==> building the operator (./mvnw -pl operator -am package -DskipTests)"
./mvnw -B -q -pl operator -am package -DskipTests \
  org.apache.maven.plugins:maven-dependency-plugin:3.7.0:build-classpath \
  -Dmdep.includeScope=test -Dmdep.outputFile=target/test-classpath.txt

rm -rf "${work}"
mkdir -p "${work}"
exec java -cp "operator/target/test-classes:operator/target/classes:$(cat operator/target/test-classpath.txt)" \
  -Djava.util.logging.manager=org.jboss.logmanager.LogManager -Dproject.root="$(pwd)" -Doperator.jar=operator/target/quarkus-app/quarkus-run.jar \
  -Dkube-api-test.dir="${KUBE_API_TEST_DIR:-${HOME}/.kubeapitest}" \
  dev.agentsandbox.operator.testing.LocalRun "${work}" "${1:-examples/reference.yaml}"
