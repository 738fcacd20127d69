#!/usr/bin/env bash
# Builds the kubernetes-sigs/agent-sandbox controller from a copy of its source (a git directory or a checkout),
# with its Go dependencies from the Go module proxy, into a cache directory keyed by the source's commit; prints the
# binary's path (beside it: sandboxes-crd.yaml, and crds/ with every CRD of the source). A second run with the same
# commit is a no-op. Used by bench/operator-scale.sh and bench/warm-pool.sh for the peer runs.
#
#   bench/agent-sandbox-controller.sh SOURCE     # SOURCE: a git directory (bare or not) or a source tree
#
# Environment: AGENT_SANDBOX_CACHE (default ~/.cache/agentsandbox/agent-sandbox-controller).
set -euo pipefail

source_dir="${1:?usage: $0 <agent-sandbox git directory or source tree>}"
cache="${AGENT_SANDBOX_CACHE:-$HOME/.cache/agentsandbox/agent-sandbox-controller}"
command -v go >/dev/null || { echo "missing tool: go (the controller needs Go 1.26)" >&2; exit 2; }

if git --git-dir="$source_dir" rev-parse --verify -q HEAD >/dev/null 2>&1; then
    git_dir="$source_dir"
elif git -C "$source_dir" rev-parse --verify -q HEAD >/dev/null 2>&1; then
    git_dir="$(git -C "$source_dir" rev-parse --absolute-git-dir)"
else
    git_dir=""
fi
if [[ -n "$git_dir" ]]; then
    commit="$(git --git-dir="$git_dir" rev-parse HEAD)"
else
    commit="tree-$(find "$source_dir" -name '*.go' -o -name go.sum | sort | xargs cat | sha256sum | cut -c1-16)"
fi

out="$cache/$commit"
if [[ -x "$out/manager" && -f "$out/sandboxes-crd.yaml" && -d "$out/crds" ]]; then
    echo "$out"
    exit 0
fi
mkdir -p "$out"
src="$out/src"
rm -rf "$src"
mkdir -p "$src"
if [[ -n "$git_dir" ]]; then
    git --git-dir="$git_dir" archive HEAD | tar -x -C "$src"
else
    cp -a "$source_dir/." "$src/"
fi
started=$SECONDS
(
    cd "$src"
    # The module cache and the build cache stay under the cache directory: a second build of another commit reuses
    # them, and nothing lands in the user's own Go caches.
    export GOMODCACHE="$cache/gomodcache" GOCACHE="$cache/gocache" GOFLAGS=-mod=mod GOTOOLCHAIN=local
    go build -trimpath -o "$out/manager.tmp" ./cmd/agent-sandbox-controller
)
cp "$src/k8s/crds/agents.x-k8s.io_sandboxes.yaml" "$out/sandboxes-crd.yaml"
# All of them (Sandbox, and the extensions' SandboxTemplate, SandboxWarmPool, SandboxClaim): bench/warm-pool.sh.
rm -rf "$out/crds"
mkdir -p "$out/crds"
cp "$src"/k8s/crds/*.yaml "$out/crds/"
rm -rf "$src"
mv "$out/manager.tmp" "$out/manager"
echo "built the agent-sandbox controller ($commit) in $((SECONDS - started)) s" >&2
echo "$out"
