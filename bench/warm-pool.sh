#!/usr/bin/env bash
# AgentSandbox create -> Ready on the embedded control plane (kube-apiserver, etcd, scheduler, kwok's fake Nodes on
# loopback, as the operator's ITs use; provisioned by hack/provision-control-plane.sh), with the packaged operator as
# a process: warm (an AgentSandboxPool of the template) and cold (no pool), SEQUENTIAL sandboxes one after another
# and a BURST created at once (against a pool of BURST warm pods). Then, with the operator stopped, the burst's floor:
# the driver itself makes the writes of the shortest warm path (create, claim, status) for BURST sandboxes at once,
# so the warm burst reads as a ratio to what the API server alone costs. See BENCHMARKS.md, "Warm pools".
#
#   bench/warm-pool.sh                        # SEQUENTIAL=50 BURST=100
#   OUT=/tmp/warm-pool.md bench/warm-pool.sh
#   AGENT_SANDBOX_SRC=<agent-sandbox git dir> bench/warm-pool.sh   # and the peer (built once, cached)
#
# With AGENT_SANDBOX_SRC, the kubernetes-sigs/agent-sandbox controller (bench/agent-sandbox-controller.sh) runs the
# same cases after the operator has stopped, on the same control plane: a SandboxWarmPool of a SandboxTemplate and
# SandboxClaims of it (warm), and claims without a pool (cold).
# Environment: BENCH_SETTINGS ("key=value ..." operator settings, e.g. a log level), BENCH_OPERATOR_LOG (keep the
# operator's log in this file), BENCH_JVM (more JVM options for the operator, e.g. a flight recording), OPERATOR_JAR
# (another build of the operator, its quarkus-run.jar: main's, to compare).
# Each burst also reports its cost per sandbox: CPU of the API server, the operator and the driver, and the API
# requests the API server served by verb and resource (from its /metrics), whoever made them.
#
# The measurement itself is operator/src/test/java/dev/agentsandbox/operator/it/WarmPoolBenchmark.java, run by name
# through failsafe (it matches no IT pattern, so ./mvnw verify never runs it).
set -euo pipefail
REPO_ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$REPO_ROOT"
export SEQUENTIAL="${SEQUENTIAL:-50}" BURST="${BURST:-100}"
export BENCH_OUT="${OUT:-$(mktemp /tmp/agentsandbox-warm-pool.XXXXXX.md)}"
peer=""
if [[ -n "${AGENT_SANDBOX_SRC:-}" ]]; then
    if ! peer="$(bench/agent-sandbox-controller.sh "$AGENT_SANDBOX_SRC" | tail -n 1)"; then
        echo "==> the agent-sandbox controller did not build: running without it" >&2
        peer=""
    fi
fi
export AGENT_SANDBOX_DIR="$peer"
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
# -DskipImages: kwok runs no image, and the build must not replace the images other runs use.
./mvnw -B -q -o -pl operator -am verify -DskipImages -Dit.test=WarmPoolBenchmark -Dtest=none \
    -Dsurefire.failIfNoSpecifiedTests=false -Dfailsafe.failIfNoSpecifiedTests=false >&2
echo "## Warm pools — $(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(git rev-parse --short HEAD), load average $load_before before the build, $(cut -d' ' -f1-3 /proc/loadavg) at the end, $(nproc) cores"
echo
cat "$BENCH_OUT"
