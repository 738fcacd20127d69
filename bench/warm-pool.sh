#!/usr/bin/env bash
# AgentSandbox create -> Ready on the embedded control plane (kube-apiserver, etcd, scheduler, kwok's fake Nodes on
# loopback, as the operator's ITs use; provisioned by hack/provision-control-plane.sh), with the packaged operator as
# a process: warm (an AgentSandboxPool of the template) and cold (no pool), SEQUENTIAL sandboxes one after another
# and a BURST created at once (against a pool of BURST warm pods). See BENCHMARKS.md, "Warm pools".
#
#   bench/warm-pool.sh                        # SEQUENTIAL=50 BURST=100
#   OUT=/tmp/warm-pool.md bench/warm-pool.sh
#
# The measurement itself is operator/src/test/java/dev/agentsandbox/operator/it/WarmPoolBenchmark.java, run by name
# through failsafe (it matches no IT pattern, so ./mvnw verify never runs it).
set -euo pipefail
REPO_ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$REPO_ROOT"
export SEQUENTIAL="${SEQUENTIAL:-50}" BURST="${BURST:-100}"
export BENCH_OUT="${OUT:-$(mktemp /tmp/agentsandbox-warm-pool.XXXXXX.md)}"
./mvnw -B -q -o -pl operator -am verify -Dit.test=WarmPoolBenchmark -Dtest=none \
    -Dsurefire.failIfNoSpecifiedTests=false -Dfailsafe.failIfNoSpecifiedTests=false >&2
echo "## Warm pools — $(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(git rev-parse --short HEAD), load average $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
echo
cat "$BENCH_OUT"
