#!/usr/bin/env bash
# Makes the real control plane of the integration tests available, called by `./mvnw verify` (the pre-integration-test
# phase of each module with integration tests: operator, charts) and by hack/run-local.sh:
#   - Go on the PATH, or everything already built: hack/provision-control-plane.sh (warm: under a second);
#   - otherwise: a note and success. The tests then let kube-api-test download etcd, kube-apiserver and kubectl
#     (needs the internet); what needs kube-controller-manager, kube-scheduler or kwok is skipped, saying why.
# Then, on Linux, the real node's parts (hack/provision-node.sh: kubelet, kube-proxy, gVisor, CoreDNS, kube-router,
# the pause and busybox images) for the node tests; skipped with a note where Go is missing and nothing is built.
# Prints the time it took, so the cost of this step is visible in every build log.
set -euo pipefail

HACK_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
started=$(date +%s%N)
elapsed() { echo "$(( ($(date +%s%N) - started) / 1000000 )) ms"; }

provisioned() { # all binaries of the pinned version present (the provision script then needs no Go)
  local version dir b
  version="$(awk '$1 == "k8s.io/kubernetes" || ($1 == "require" && $2 == "k8s.io/kubernetes") {print ($1 == "require") ? $3 : $2; exit}' \
    "${HACK_DIR}/control-plane/kubernetes/go.mod")"
  local os arch
  case "$(uname -s)" in Darwin) os=darwin ;; *) os=linux ;; esac
  case "$(uname -m)" in aarch64|arm64) arch=arm64 ;; *) arch=amd64 ;; esac
  dir="${KUBE_API_TEST_DIR:-${HOME}/.kubeapitest}/k8s/${version#v}-${os}-${arch}"
  for b in etcd kube-apiserver kubectl kube-controller-manager kube-scheduler kwok kwok-stages.yaml; do
    [[ -e "${dir}/${b}" ]] || return 1
  done
}

if command -v go >/dev/null 2>&1 || provisioned; then
  "${HACK_DIR}/provision-control-plane.sh" >&2
  echo "ensure-control-plane: control plane ready in $(elapsed)" >&2
else
  echo "ensure-control-plane: Go is not installed and the control plane is not built:" \
    "kube-api-test will download etcd, kube-apiserver and kubectl (needs the internet); tests that need" \
    "kube-controller-manager, kube-scheduler or kwok are skipped. Install Go >= 1.24 to run them all." >&2
fi

if [[ "$(uname -s)" == Linux ]]; then
  started=$(date +%s%N)
  if command -v go >/dev/null 2>&1 || [[ -x "${KUBE_API_TEST_DIR:-${HOME}/.kubeapitest}/node" ]]; then
    "${HACK_DIR}/provision-node.sh" >&2
    echo "ensure-control-plane: node parts ready in $(elapsed)" >&2
  else
    echo "ensure-control-plane: Go is not installed and the node is not built: the node tests will fail naming" \
      "hack/provision-node.sh. Install Go >= 1.26 to build it." >&2
  fi
fi
