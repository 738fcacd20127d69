#!/usr/bin/env bash
# Builds a real Kubernetes control plane from the Go module proxy (no prebuilt binaries, no Docker) into the
# layout io.fabric8:kube-api-test reads:
#
#   ${KUBE_API_TEST_DIR:-$HOME/.kubeapitest}/k8s/<X.Y.Z>-<os>-<arch>/
#       etcd  kube-apiserver  kubectl                  <- what kube-api-test needs
#       kube-controller-manager  kube-scheduler  kwok   <- for GC / namespace deletion, scheduling, fake Nodes
#       kwok-stages.yaml  kwok-stages/*.yaml           <- kwok Stage files (fake Nodes Ready, Pods Running)
#
# Versions are pinned by the wrapper modules under hack/control-plane/ (go.mod + go.sum).
# Idempotent: a group of binaries is rebuilt only when one is missing or its pins/flags changed (stamp files).
# Serialized with flock, so concurrent callers (parallel Maven modules) do not corrupt the output.
#
# Usage: hack/provision-control-plane.sh [--force] [--help]
#   KUBE_API_TEST_DIR       output root (default: $HOME/.kubeapitest)
#   PROVISION_LOCK_TIMEOUT  seconds to wait for a concurrent run (default: 3600)
# The last line of the output is always KUBE_API_TEST_DIR=<dir> on success.
set -Eeuo pipefail

PROVISION_NAME="provision-control-plane"
source "$(dirname "${BASH_SOURCE[0]}")/lib/provision.sh"

HACK_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
parse_args "${BASH_SOURCE[0]}" "$@"
WRAPPERS="${HACK_DIR}/control-plane"

# --- pinned versions, read from the committed wrapper modules (no Go needed for a warm run) -----------------
step "read pinned versions"
K8S_VERSION="$(gomod_version "${WRAPPERS}/kubernetes/go.mod" k8s.io/kubernetes)"
ETCD_VERSION="$(gomod_version "${WRAPPERS}/etcd/go.mod" go.etcd.io/etcd/server/v3)"
KWOK_VERSION="$(gomod_version "${WRAPPERS}/kwok/go.mod" sigs.k8s.io/kwok)"
[[ "$K8S_VERSION" =~ ^v([0-9]+)\.([0-9]+)\.([0-9]+)$ ]] || die "cannot read a release version of k8s.io/kubernetes from ${WRAPPERS}/kubernetes/go.mod (got '${K8S_VERSION}')"
K8S_MAJOR="${BASH_REMATCH[1]}"; K8S_MINOR="${BASH_REMATCH[2]}"
[[ -n "$ETCD_VERSION" ]] || die "cannot read go.etcd.io/etcd/server/v3 from ${WRAPPERS}/etcd/go.mod"
[[ -n "$KWOK_VERSION" ]] || die "cannot read sigs.k8s.io/kwok from ${WRAPPERS}/kwok/go.mod"

platform

ROOT_DIR="${KUBE_API_TEST_DIR:-${HOME}/.kubeapitest}"
OUT_DIR="${ROOT_DIR}/k8s/${K8S_VERSION#v}-${OS}-${ARCH}"   # purely numeric version: kube-api-test requires it

BUILD_TAGS="selinux,notest,grpcnotrace"
K8S_LDFLAGS="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  K8S_LDFLAGS+=" -X ${pkg}.gitVersion=${K8S_VERSION} -X ${pkg}.gitMajor=${K8S_MAJOR} -X ${pkg}.gitMinor=${K8S_MINOR} -X ${pkg}.gitTreeState=clean"
done
PLAIN_LDFLAGS="-s -w"

K8S_BINS=(kube-apiserver kube-controller-manager kube-scheduler kubectl)
K8S_PKGS=(k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager
          k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl)
# kwok Stage files needed to fake Nodes (initialize + lease heartbeat) and to drive Pods to Running/Succeeded/deleted.
KWOK_STAGES=(node/fast/node-initialize.yaml node/heartbeat-with-lease/node-heartbeat-with-lease.yaml
             pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml)

# --- lock ---------------------------------------------------------------------------------------------------
mkdir -p "${OUT_DIR}" || die "cannot create ${OUT_DIR}"
take_lock "${ROOT_DIR}/k8s/.provision.lock"
rm -rf "${OUT_DIR}"/.build.* # leftovers of an interrupted run (we hold the lock)

# --- Kubernetes: kube-apiserver, kube-controller-manager, kube-scheduler, kubectl ----------------------------
FP="$(fingerprint "${WRAPPERS}/kubernetes" "${BUILD_TAGS} ${K8S_LDFLAGS}")"
if up_to_date kubernetes "$FP" "${K8S_BINS[@]}"; then
  echo "==> kubernetes ${K8S_VERSION}: up to date, skipped" >&2
else
  require_go
  step "build kubernetes ${K8S_VERSION} (${K8S_BINS[*]})"
  echo "    cold: about 10 min on 2 idle cores with a warm module cache, more under load" >&2
  start=$SECONDS
  tmp="$(go_build "${WRAPPERS}/kubernetes" "${K8S_LDFLAGS}" "${K8S_PKGS[@]}")"
  install_from "$tmp" "${K8S_BINS[@]}"
  stamp kubernetes "$FP"
  echo "    built in $((SECONDS - start))s" >&2
fi

# --- etcd ----------------------------------------------------------------------------------------------------
FP="$(fingerprint "${WRAPPERS}/etcd" "${BUILD_TAGS} ${PLAIN_LDFLAGS}")"
if up_to_date etcd "$FP" etcd; then
  echo "==> etcd ${ETCD_VERSION}: up to date, skipped" >&2
else
  require_go
  step "build etcd ${ETCD_VERSION}"
  start=$SECONDS
  tmp="$(go_build "${WRAPPERS}/etcd" "${PLAIN_LDFLAGS}" go.etcd.io/etcd/server/v3)"
  mv "${tmp}/v3" "${tmp}/etcd" 2>/dev/null || mv "${tmp}/server" "${tmp}/etcd" 2>/dev/null || true
  install_from "$tmp" etcd
  stamp etcd "$FP"
  echo "    built in $((SECONDS - start))s" >&2
fi

# --- kwok + its Stage files ----------------------------------------------------------------------------------
STAGE_FILES=(kwok-stages.yaml)
for s in "${KWOK_STAGES[@]}"; do STAGE_FILES+=("kwok-stages/$(basename "$s")"); done
FP="$(fingerprint "${WRAPPERS}/kwok" "${BUILD_TAGS} ${PLAIN_LDFLAGS} ${KWOK_STAGES[*]}")"
if up_to_date kwok "$FP" kwok "${STAGE_FILES[@]}"; then
  echo "==> kwok ${KWOK_VERSION}: up to date, skipped" >&2
else
  require_go
  step "build kwok ${KWOK_VERSION}"
  start=$SECONDS
  tmp="$(go_build "${WRAPPERS}/kwok" "${PLAIN_LDFLAGS}" sigs.k8s.io/kwok/cmd/kwok)"
  install_from "$tmp" kwok
  step "copy kwok ${KWOK_VERSION} stage files from the module cache"
  kwok_dir="$(cd "${WRAPPERS}/kwok" && GOWORK=off GOFLAGS=-mod=readonly go list -m -f '{{.Dir}}' sigs.k8s.io/kwok)" \
    || die "cannot locate sigs.k8s.io/kwok ${KWOK_VERSION} in the module cache"
  mkdir -p "${OUT_DIR}/kwok-stages"
  combined="$(mktemp "${OUT_DIR}/.build.XXXXXX")"
  for s in "${KWOK_STAGES[@]}"; do
    src="${kwok_dir}/kustomize/stage/${s}"
    [[ -f "$src" ]] || die "stage file ${s} not found in ${kwok_dir}/kustomize/stage"
    install -m 0644 "$src" "${OUT_DIR}/kwok-stages/$(basename "$s")"
    { echo "---"; echo "# from sigs.k8s.io/kwok@${KWOK_VERSION} kustomize/stage/${s}"; cat "$src"; } >> "$combined"
  done
  chmod 0644 "$combined"; mv -f "$combined" "${OUT_DIR}/kwok-stages.yaml"
  stamp kwok "$FP"
  echo "    built in $((SECONDS - start))s" >&2
fi

# --- record + report ------------------------------------------------------------------------------------------
step "report versions"
versions="kubernetes=${K8S_VERSION}
etcd=${ETCD_VERSION}
kwok=${KWOK_VERSION}
built-by=hack/provision-control-plane.sh (from the Go module proxy, wrappers in hack/control-plane/)"
record_versions "$versions"
"${OUT_DIR}/kube-apiserver" --version
"${OUT_DIR}/kube-controller-manager" --version
"${OUT_DIR}/kube-scheduler" --version
"${OUT_DIR}/kubectl" version --client
"${OUT_DIR}/etcd" --version
"${OUT_DIR}/kwok" --version
echo "binaries: ${OUT_DIR}"
ls -l "${OUT_DIR}" >&2
echo "KUBE_API_TEST_DIR=${ROOT_DIR}"
