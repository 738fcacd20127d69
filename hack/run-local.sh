#!/usr/bin/env bash
# Runs AgentSandbox on this machine without a cluster. By default on a real node (hack/README.md, "A real node"):
# the embedded control plane, containerd + kubelet + kube-proxy + CoreDNS + kube-router on 198.19.255.1, the locally
# built images imported, the chart installed (the operator as a Pod under the chart's RBAC), then
# examples/reference.yaml with its agent image pointed at the local test image (localhost/agentsandbox/agent:dev):
# a sandbox that really runs, Ready, to enter with
#     kubectl exec -it -n team-a openclaw-sandbox -c agent -- bash
# Where the node cannot start (not root, a kernel feature or package missing: hack/node-host.sh preflight says
# which), it says why and falls back to kwok: fake Nodes whose Pods only pretend to run, the operator as a process.
# Either way it keeps running, with a KUBECONFIG to explore, until Ctrl+C stops and cleans up everything.
#
# Usage: hack/run-local.sh [EXAMPLE]     EXAMPLE: a file of AgentSandboxes (default examples/reference.yaml)
#   Needs a JDK 17+, and Go >= 1.24 for the first run (hack/provision-control-plane.sh and provision-node.sh build
#   the control plane and the node's parts, ~15 min and more once; then under a second), and for the real node
#   root and the Debian packages hack/node-host.sh preflight names; hack/build-images.sh builds the images once.
#   RUN_LOCAL_DIR   work directory: logs, kubeconfig, etcd data (default: dev-cluster/target/run-local)
#   RUN_LOCAL_NODE  0: kwok even where the real node could run
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

work="${RUN_LOCAL_DIR:-dev-cluster/target/run-local}"
started=$(date +%s)
echo "==> control plane and node binaries (hack/ensure-control-plane.sh)"
hack/ensure-control-plane.sh

main=dev.agentsandbox.devcluster.LocalRun
if [[ "${RUN_LOCAL_NODE:-1}" == 0 ]]; then
  echo "==> RUN_LOCAL_NODE=0: kwok (fake Nodes; the sandbox's pod does not really run)"
elif ! why="$(hack/node-host.sh preflight 2>&1)"; then
  echo "==> the real node cannot start here: ${why}"
  echo "==> falling back to kwok (fake Nodes; the sandbox's pod does not really run)"
else
  echo "==> images (hack/build-images.sh: built once, then only when their definition changes)"
  hack/build-images.sh
  main=dev.agentsandbox.devcluster.LocalNodeRun
fi

# dev-cluster/ holds these programs; -am builds what they run too: the operator's quarkus-app (the kwok run starts
# it as a process) and the fixtures they share with the tests (test-support/, the operator's test jar).
echo "==> building the operator and dev-cluster (./mvnw -pl dev-cluster -am package -DskipTests)"
./mvnw -B -q -pl dev-cluster -am package -DskipTests \
  org.apache.maven.plugins:maven-dependency-plugin:3.7.0:build-classpath \
  -Dmdep.includeScope=runtime -Dmdep.outputFile=target/runtime-classpath.txt
echo "==> prepared in $(( $(date +%s) - started )) s"

rm -rf "${work}"
mkdir -p "${work}"
exec java -cp "dev-cluster/target/classes:$(cat dev-cluster/target/runtime-classpath.txt)" \
  -Djava.util.logging.manager=org.jboss.logmanager.LogManager -Dproject.root="$(pwd)" -Doperator.jar=operator/target/quarkus-app/quarkus-run.jar \
  -Dkube-api-test.dir="${KUBE_API_TEST_DIR:-${HOME}/.kubeapitest}" \
  "${main}" "${work}" "${1:-examples/reference.yaml}"
