#!/usr/bin/env bash
# The operator at scale (issue 18, goal 5): N AgentSandboxes created at once on the embedded control plane with kwok
# Nodes, timed until all are Ready, against N bare equivalent Pods created directly in the same run, and the
# kubernetes-sigs/agent-sandbox controller with N Sandboxes of the same Pod (when its source is given). The operator
# runs as its own process with the image's JVM flags (read from the Jib entrypoint in operator/pom.xml) and
# -XX:MaxRAM standing in for the chart's memory limit. The driver is dev-cluster's OperatorScale (see its Javadoc for
# what it measures); BENCHMARKS.md, "Operator at scale", has the results and how to read them.
#
#   bench/operator-scale.sh                       # ~10 minutes for 1000 (plus the build)
#   AGENT_SANDBOX_SRC=<agent-sandbox git dir> bench/operator-scale.sh    # and the peer (built once, cached)
#
# Before the operator runs, the floor: the same writes made by the driver with no operator (FloorWrites).
#
# Environment: COUNT (1000), NODES (kwok Nodes, 20), MEMORY_LIMIT (the chart's operator limit, 512m),
# OPERATOR_JAVA_OPTS (instead of the image's flags), IDLE_SECONDS (30), POD_NETWORK (silent: the fake Pods' addresses
# drop every packet, as unreachable Pods do; refused: they refuse at once), OUT (Markdown to this file too),
# HISTOGRAM=1 (the operator's live heap by class, with all sandboxes Ready),
# KEEP_WORK=1 (keep the work directory: logs, audit log), SKIP_BUILD=1, OPERATOR_JAR (another build of the operator:
# its quarkus-run.jar), OPERATOR_ENV (instead of the image's environment: NAME=value ...), BEFORE_JAR (a second build,
# e.g. main's quarkus-run.jar, measured first in the same run against the same baseline: before and after; with
# BEFORE_JAVA_OPTS and BEFORE_ENV, by default the same as the operator's), PEER_ONLY=1 (with AGENT_SANDBOX_SRC: the
# bare Pods and the peer only; this operator only for the warm-up sandbox whose Pod the others copy).
#
# Everything runs in a network namespace of its own (unshare -rn) with only loopback: the operator's reads of the
# fake Pods' /status never leave it. Needs unprivileged user namespaces, unshare (util-linux) and iptables.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

COUNT="${COUNT:-1000}"
NODES="${NODES:-20}"
MEMORY_LIMIT="${MEMORY_LIMIT:-512m}"
POD_NETWORK="${POD_NETWORK:-silent}"
image_flags="$(sed -n '/<entrypoint>/,/<\/entrypoint>/p' operator/pom.xml |
    sed -n 's|.*<arg>\(-X[^<]*\)</arg>.*|\1|p' | tr '\n' ' ')"
OPERATOR_JAVA_OPTS="${OPERATOR_JAVA_OPTS:-${image_flags}-XX:MaxRAM=${MEMORY_LIMIT}}"
# The image's environment (NAME=value from the Jib container's <environment>), as the image runs it.
image_env="$(sed -n '/<environment>/,/<\/environment>/p' operator/pom.xml |
    sed -n 's|.*<\([A-Z_][A-Z0-9_]*\)>\([^<]*\)</\1>.*|\1=\2|p' | tr '\n' ' ')"
OPERATOR_ENV="${OPERATOR_ENV-$image_env}"

peer=""
if [[ -n "${AGENT_SANDBOX_SRC:-}" ]]; then
    echo "==> the agent-sandbox controller (bench/agent-sandbox-controller.sh)"
    if ! peer="$(bench/agent-sandbox-controller.sh "$AGENT_SANDBOX_SRC" | tail -n 1)"; then
        echo "==> the agent-sandbox controller did not build: running without it" >&2
        peer=""
    fi
fi

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
    echo "==> building the operator and dev-cluster (./mvnw -pl dev-cluster -am package -DskipTests)"
    ./mvnw -B -q -pl dev-cluster -am package -DskipTests \
        org.apache.maven.plugins:maven-dependency-plugin:3.7.0:build-classpath \
        -Dmdep.includeScope=runtime -Dmdep.outputFile=target/runtime-classpath.txt
fi

work="$(mktemp -d /tmp/agentsandbox-operator-scale.XXXXXX)"
cleanup() { if [[ "${KEEP_WORK:-0}" != 1 ]]; then rm -rf "$work"; else echo "==> kept $work"; fi; }
trap cleanup EXIT

case "$POD_NETWORK" in
    silent) pod_net='ip route add 198.18.128.0/17 dev lo && iptables -A OUTPUT -d 198.18.128.0/17 -j DROP' ;;
    refused) pod_net='ip route add local 198.18.128.0/17 dev lo' ;;
    *) echo "POD_NETWORK: silent or refused" >&2; exit 2 ;;
esac
echo "==> load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
# shellcheck disable=SC2016
unshare -rn sh -c "ip link set lo up && $pod_net && exec \"\$@\"" sh \
    java -cp "dev-cluster/target/classes:$(cat dev-cluster/target/runtime-classpath.txt)" \
    -Djava.util.logging.manager=org.jboss.logmanager.LogManager -Dproject.root="$(pwd)" \
    -Doperator.jar="${OPERATOR_JAR:-operator/target/quarkus-app/quarkus-run.jar}" \
    -Dkube-api-test.dir="${KUBE_API_TEST_DIR:-${HOME}/.kubeapitest}" \
    -Dbench.count="$COUNT" -Dbench.nodes="$NODES" -Dbench.operator.jvm="$OPERATOR_JAVA_OPTS" \
    -Dbench.operator.env="$OPERATOR_ENV" -Dbench.before.jar="${BEFORE_JAR:-}" \
    -Dbench.before.jvm="${BEFORE_JAVA_OPTS:-$OPERATOR_JAVA_OPTS}" -Dbench.before.env="${BEFORE_ENV-$OPERATOR_ENV}" \
    -Dbench.operator="$([[ "${PEER_ONLY:-0}" == 1 ]] && echo false || echo true)" \
    -Dbench.idle.seconds="${IDLE_SECONDS:-30}" -Dbench.histogram="$([[ "${HISTOGRAM:-0}" == 1 ]] && echo true || echo false)" -Dbench.agent-sandbox.dir="$peer" -Dbench.out="${OUT:-}" \
    dev.agentsandbox.devcluster.OperatorScale "$work"
