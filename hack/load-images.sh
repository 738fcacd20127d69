#!/usr/bin/env bash
# Imports the images hack/build-images.sh built into a containerd, in the namespace the kubelet's CRI uses, so a Pod
# can name them without any registry (imagePullPolicy IfNotPresent or Never):
#
#   localhost/agentsandbox/operator:dev  localhost/agentsandbox/sidecar:dev  localhost/agentsandbox/agent:dev
#   localhost/agentsandbox/model-runner:dev  localhost/agentsandbox/tls-upstream:dev  localhost/agentsandbox/busybox:dev
#
# Usage: hack/load-images.sh <containerd address (unix socket path)> [IMAGE...]
#   IMAGE: operator sidecar agent model-runner tls-upstream busybox (default: every archive that exists)
#   AGENTSANDBOX_IMAGES_DIR   where the archives are (default: $HOME/.agentsandbox/images)
#   CONTAINERD_NAMESPACE      default k8s.io (the CRI plugin's)
# Each archive is imported only when containerd does not hold that image with the same content (warm: seconds).
set -Eeuo pipefail

die() { echo "load-images: $*" >&2; exit 1; }
[[ $# -ge 1 && "$1" != -* ]] || { sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }
ADDRESS="$1"; shift
DIR="${AGENTSANDBOX_IMAGES_DIR:-${HOME}/.agentsandbox/images}"
NS="${CONTAINERD_NAMESPACE:-k8s.io}"
PREFIX=localhost/agentsandbox TAG=dev

command -v ctr >/dev/null 2>&1 || die "'ctr' not found: apt-get install -y containerd"
[[ -S "$ADDRESS" ]] || die "no containerd socket at ${ADDRESS}: start containerd (or pass its --address)"
ctr() { command ctr --address "$ADDRESS" --namespace "$NS" "$@"; }
ctr version >/dev/null 2>&1 || die "containerd at ${ADDRESS} does not answer (ctr version failed)"

names=("$@")
if [[ ${#names[@]} -eq 0 ]]; then
  for f in "$DIR"/*.tar; do [[ -e "$f" ]] && names+=("$(basename "$f" .tar)"); done
  [[ ${#names[@]} -gt 0 ]] || die "no image archives in ${DIR}: run hack/build-images.sh first"
fi

for name in "${names[@]}"; do
  archive="${DIR}/${name}.tar"
  [[ -s "$archive" ]] || die "${archive} is missing: run hack/build-images.sh (or ./mvnw -Pimages package for operator/sidecar)"
  ref="${PREFIX}/${name}:${TAG}"
  # The manifest digest inside the archive (skopeo), compared with what containerd has under that name.
  want="$(skopeo inspect --raw "oci-archive:${archive}" 2>/dev/null | sha256sum | cut -d' ' -f1)" || want=""
  have="$(ctr image ls name=="$ref" 2>/dev/null | awk 'NR == 2 {print $3}')"
  if [[ -n "$want" && "$have" == "sha256:${want}" ]]; then
    echo "${ref}: up to date" >&2
    continue
  fi
  # The archives name their image (org.opencontainers.image.ref.name): ctr keeps that name.
  ctr image import "$archive" >/dev/null || die "importing ${archive} into ${ADDRESS} failed"
  [[ -n "$(ctr image ls -q name=="$ref")" ]] || die "${archive} holds no image named ${ref} (built by an older script?)"
  echo "${ref}: imported" >&2
done
