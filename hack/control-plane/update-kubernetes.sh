#!/usr/bin/env bash
# Re-pins the Kubernetes wrapper module (hack/control-plane/kubernetes) to another k8s.io/kubernetes release.
#
# Usage: hack/control-plane/update-kubernetes.sh v1.34.4
#
# k8s.io/kubernetes replaces its staging modules with ./staging/src/k8s.io/<m>; those paths do not exist in the
# module zip, so the wrapper replaces each of them with the published k8s.io/<m> v0.<minor>.<patch>.
# The staging list is read from the go.mod of the requested release (never from memory).
# Afterwards: check build/dependencies.yaml of that release for the paired etcd ("name: etcd") and bump
# hack/control-plane/etcd with `go get -tool go.etcd.io/etcd/server/v3@vX && go mod tidy`; commit go.mod + go.sum.
set -Eeuo pipefail

V="${1:-}"
[[ "$V" =~ ^v1\.([0-9]+)\.([0-9]+)$ ]] || { echo "usage: $0 v1.<minor>.<patch>" >&2; exit 2; }
STAGING_VERSION="v0.${BASH_REMATCH[1]}.${BASH_REMATCH[2]}"
DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/kubernetes"
export GOWORK=off GOFLAGS=-mod=mod

upstream_mod="$(go mod download -json "k8s.io/kubernetes@${V}" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')"
[[ -f "$upstream_mod" ]] || { echo "cannot download k8s.io/kubernetes@${V} (go mod download)" >&2; exit 1; }
mapfile -t staging < <(awk '/=> \.\/staging\// {print $1}' "$upstream_mod")
(( ${#staging[@]} > 0 )) || { echo "no staging replace directives found in ${upstream_mod}" >&2; exit 1; }
echo "k8s.io/kubernetes ${V}: ${#staging[@]} staging modules -> ${STAGING_VERSION}" >&2

{
  sed -n '1,/^module /p' "${DIR}/go.mod"
  echo
  echo "go $(awk '$1 == "go" {print $2; exit}' "$upstream_mod")"
  echo
  echo "require k8s.io/kubernetes ${V}"
  echo
  echo "replace ("
  for m in "${staging[@]}"; do printf '\t%s => %s %s\n' "$m" "$m" "$STAGING_VERSION"; done
  echo ")"
} > "${DIR}/go.mod.new"
mv "${DIR}/go.mod.new" "${DIR}/go.mod"
rm -f "${DIR}/go.sum"
cd "$DIR"
pkgs=()
for c in kube-apiserver kube-controller-manager kube-scheduler kubectl kubelet kube-proxy; do pkgs+=("k8s.io/kubernetes/cmd/${c}@${V}"); done
go get -tool "${pkgs[@]}"   # an explicit @version: a bare package path would upgrade k8s.io/kubernetes to the newest
go mod tidy
echo "updated ${DIR}/go.mod and go.sum; now run hack/provision-control-plane.sh" >&2
