#!/usr/bin/env bash
# Builds the parts of a real Kubernetes node that Debian does not package, from the Go module proxy, plus the two
# images every node needs, without a registry or a daemon:
#
#   ${KUBE_API_TEST_DIR:-$HOME/.kubeapitest}/node/<X.Y.Z>-<os>-<arch>/
#       kubelet  kube-proxy              <- hack/control-plane/kubernetes (the control plane's own pins)
#       containerd  ctr  containerd-shim-runc-v2   <- hack/node/containerd (containerd 2, CRI v1)
#       runsc  containerd-shim-runsc-v1  <- hack/node/gvisor (gVisor, the `runsc` RuntimeClass)
#       coredns                          <- hack/node/coredns (cluster names + test hosts, no forwarder)
#       kube-router                      <- hack/node/kube-router (NetworkPolicy enforcement: iptables + ipset)
#       pause                            <- hack/node/pause (PID 1 of every pod sandbox)
#       images/pause.tar  images/busybox.tar   <- OCI archives (umoci) for `ctr -n k8s.io image import`
#
# runc, the CNI plugins, iptables and ipset come from Debian (see hack/node-host.sh preflight).
# Idempotent like hack/provision-control-plane.sh: a group is rebuilt only when a file is missing or its pins,
# flags or inputs changed (stamp files); serialized with flock; a failure names its step.
#
# Usage: hack/provision-node.sh [--force] [--help]
#   KUBE_API_TEST_DIR       output root (default: $HOME/.kubeapitest)
#   PROVISION_LOCK_TIMEOUT  seconds to wait for a concurrent run (default: 3600)
# The last line of the output is always NODE_DIR=<dir> on success.
set -Eeuo pipefail

PROVISION_NAME="provision-node"
source "$(dirname "${BASH_SOURCE[0]}")/lib/provision.sh"

HACK_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
parse_args "${BASH_SOURCE[0]}" "$@"
K8S_WRAPPER="${HACK_DIR}/control-plane/kubernetes"
NODE_WRAPPERS="${HACK_DIR}/node"

step "read pinned versions"
K8S_VERSION="$(gomod_version "${K8S_WRAPPER}/go.mod" k8s.io/kubernetes)"
GVISOR_VERSION="$(gomod_version "${NODE_WRAPPERS}/gvisor/go.mod" gvisor.dev/gvisor)"
CONTAINERD_VERSION="$(gomod_version "${NODE_WRAPPERS}/containerd/go.mod" github.com/containerd/containerd/v2)"
COREDNS_VERSION="$(gomod_version "${NODE_WRAPPERS}/coredns/go.mod" github.com/coredns/coredns)"
KUBE_ROUTER_VERSION="$(gomod_version "${NODE_WRAPPERS}/kube-router/go.mod" github.com/cloudnativelabs/kube-router/v2)"
[[ "$K8S_VERSION" =~ ^v([0-9]+)\.([0-9]+)\.([0-9]+)$ ]] || die "cannot read a release version of k8s.io/kubernetes from ${K8S_WRAPPER}/go.mod (got '${K8S_VERSION}')"
K8S_MAJOR="${BASH_REMATCH[1]}"; K8S_MINOR="${BASH_REMATCH[2]}"
for v in CONTAINERD_VERSION GVISOR_VERSION COREDNS_VERSION KUBE_ROUTER_VERSION; do
  [[ -n "${!v}" ]] || die "cannot read ${v} from the wrapper modules under ${NODE_WRAPPERS}"
done
platform
[[ "$OS" == linux ]] || die "a node runs on Linux only (this is ${OS})"

ROOT_DIR="${KUBE_API_TEST_DIR:-${HOME}/.kubeapitest}"
OUT_DIR="${ROOT_DIR}/node/${K8S_VERSION#v}-${OS}-${ARCH}"
PLAIN_LDFLAGS="-s -w"
K8S_TAGS="selinux,notest,grpcnotrace"
K8S_LDFLAGS="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  K8S_LDFLAGS+=" -X ${pkg}.gitVersion=${K8S_VERSION} -X ${pkg}.gitMajor=${K8S_MAJOR} -X ${pkg}.gitMinor=${K8S_MINOR} -X ${pkg}.gitTreeState=clean"
done

mkdir -p "${OUT_DIR}/images" || die "cannot create ${OUT_DIR}"
take_lock "${ROOT_DIR}/node/.provision.lock"
rm -rf "${OUT_DIR}"/.build.* "${OUT_DIR}"/images/.build.* # leftovers of an interrupted run (we hold the lock)

build_group() { # <group> <wrapper dir> <tags> <ldflags> <"pkgs..."> <"out=final ..."> [prepare function]
  # The prepare function, when given, runs before the build and prints extra GOFLAGS; its text is part of the stamp.
  local group="$1" dir="$2" tags="$3" ldflags="$4" pkgs="$5" renames="$6" prepare="${7:-}"
  local finals=() r; for r in $renames; do finals+=("${r#*=}"); done
  local fp; fp="$(fingerprint "$dir" "${tags} ${ldflags} ${pkgs} ${renames}${prepare:+ $(declare -f "$prepare")}")"
  if up_to_date "$group" "$fp" "${finals[@]}"; then
    echo "==> ${group}: up to date, skipped" >&2; return 0
  fi
  require_go
  local extra_flags=""
  if [[ -n "$prepare" ]]; then
    step "prepare ${group} (${prepare})"
    extra_flags="$("$prepare")"
  fi
  step "build ${group} (${finals[*]})"
  local start=$SECONDS tmp
  # shellcheck disable=SC2086 # pkgs is a list of package paths
  tmp="$(BUILD_TAGS="$tags" GO_EXTRA_FLAGS="$extra_flags" go_build "$dir" "$ldflags" $pkgs)"
  for r in $renames; do
    [[ "${r%%=*}" == "${r#*=}" ]] || mv -f "${tmp}/${r%%=*}" "${tmp}/${r#*=}" || die "build produced no ${r%%=*}"
  done
  install_from "$tmp" "${finals[@]}"
  stamp "$group" "$fp"
  echo "    built in $((SECONDS - start))s" >&2
}

build_group pause "${NODE_WRAPPERS}/pause" "" "$PLAIN_LDFLAGS" "." "pause=pause"

# --- images: OCI archives made with umoci from files on this machine (no registry, no daemon) -----------------
BUSYBOX="${BUSYBOX:-/bin/busybox}"
image_fp() { # <name> <files...>: what the image is made of, and how
  { echo "$1"; declare -f build_image "$1_rootfs"; sha256sum "${@:2}" 2>/dev/null; } | sha256sum | cut -d' ' -f1
}
build_image() { # <name> <entrypoint json> <setup function>: OCI layout localhost/<name>:latest as images/<name>.tar
  local name="$1" entrypoint="$2" setup="$3"
  local tmp; tmp="$(mktemp -d "${OUT_DIR}/images/.build.XXXXXX")"
  umoci init --layout "${tmp}/layout" >&2 || die "umoci init failed"
  umoci new --image "${tmp}/layout:latest" >&2 || die "umoci new failed"
  umoci unpack --image "${tmp}/layout:latest" "${tmp}/bundle" >&2 || die "umoci unpack failed"
  "$setup" "${tmp}/bundle/rootfs"
  umoci repack --image "${tmp}/layout:latest" "${tmp}/bundle" >&2 || die "umoci repack failed"
  umoci config --image "${tmp}/layout:latest" --config.entrypoint "$entrypoint" --clear config.cmd \
    --config.env PATH=/bin --author agentsandbox-hack >&2 || die "umoci config failed"
  umoci gc --layout "${tmp}/layout" >&2 || die "umoci gc failed"
  tar -C "${tmp}/layout" -cf "${tmp}/${name}.tar" . || die "tar of the ${name} layout failed"
  mv -f "${tmp}/${name}.tar" "${OUT_DIR}/images/${name}.tar"
  rm -rf "$tmp"
}
pause_rootfs() { install -m 0755 "${OUT_DIR}/pause" "$1/pause"; }
busybox_rootfs() { # busybox and a link per applet: sh, ls, nslookup, wget, dmesg, uname, sleep...
  mkdir -p "$1/bin" "$1/tmp" "$1/etc"
  install -m 0755 "$BUSYBOX" "$1/bin/busybox"
  local applet; for applet in $("$BUSYBOX" --list); do [[ "$applet" == busybox ]] || ln -sf busybox "$1/bin/${applet}"; done
  echo "root:x:0:0:root:/:/bin/sh" > "$1/etc/passwd"; echo "root:x:0:" > "$1/etc/group"
}
need_image_tools() {
  [[ -z "${IMAGE_TOOLS_CHECKED:-}" ]] || return 0; IMAGE_TOOLS_CHECKED=1
  step "check image tools"
  command -v umoci >/dev/null 2>&1 || die "umoci not found: apt-get install -y umoci"
  [[ -x "$BUSYBOX" ]] || die "${BUSYBOX} not found: apt-get install -y busybox-static"
  ! ldd "$BUSYBOX" >/dev/null 2>&1 || die "${BUSYBOX} is dynamically linked (Debian's busybox); an image needs a static one: apt-get install -y busybox-static"
}
for image in pause busybox; do
  if [[ "$image" == pause ]]; then fp="$(image_fp pause "${OUT_DIR}/pause")"; else fp="$(image_fp busybox "$BUSYBOX")"; fi
  if up_to_date "image-${image}" "$fp" "images/${image}.tar"; then
    echo "==> image ${image}: up to date, skipped" >&2; continue
  fi
  need_image_tools
  step "build image localhost/${image}:latest"
  if [[ "$image" == pause ]]; then build_image pause '/pause' pause_rootfs; else build_image busybox '/bin/sh' busybox_rootfs; fi
  stamp "image-${image}" "$fp"
done

# --- Go programs: one go build per wrapper module (all binaries of a module in one invocation) ------------------
# No btrfs, devmapper or zfs snapshotters (they need cgo and libraries); overlayfs is the one the node uses.
build_group containerd "${NODE_WRAPPERS}/containerd" "no_btrfs,no_devmapper,no_zfs" \
  "${PLAIN_LDFLAGS} -X github.com/containerd/containerd/v2/version.Version=${CONTAINERD_VERSION}" \
  "github.com/containerd/containerd/v2/cmd/containerd github.com/containerd/containerd/v2/cmd/ctr github.com/containerd/containerd/v2/cmd/containerd-shim-runc-v2" \
  "containerd=containerd ctr=ctr containerd-shim-runc-v2=containerd-shim-runc-v2"

# gVisor's shim lowers its own OOM score to -999 at start and fails when it may not: the root of these machines
# lacks CAP_SYS_RESOURCE (capability bounding set), so every runsc Pod would fail with "failed to set OOM Score on
# shim: write /proc/<pid>/oom_score_adj: permission denied". runc's shim only raises its score and is unaffected.
# The build uses a copy of the pinned module where a permission error there is ignored (one line, checked below).
gvisor_patched_modfile() { # prints a -modfile flag that replaces gvisor.dev/gvisor with a patched copy
  local patch='s/if err := sys.SetOOMScore(cmd.Process.Pid, oomScoreMax); err != nil {/if err := sys.SetOOMScore(cmd.Process.Pid, oomScoreMax); err != nil \&\& !os.IsPermission(err) {/'
  local src copy
  src="$(cd "${NODE_WRAPPERS}/gvisor" && GOWORK=off GOFLAGS=-mod=readonly go mod download -json gvisor.dev/gvisor \
    | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  [[ -d "$src" ]] || die "cannot download gvisor.dev/gvisor ${GVISOR_VERSION} (go mod download)"
  copy="${ROOT_DIR}/node/.gvisor-src"
  rm -rf "$copy" && mkdir -p "$copy" && cp -a "$src" "${copy}/gvisor" && chmod -R u+w "${copy}/gvisor"
  sed -i "$patch" "${copy}/gvisor/pkg/shim/v1/manager.go"
  grep -q 'oomScoreMax); err != nil && !os.IsPermission(err)' "${copy}/gvisor/pkg/shim/v1/manager.go" \
    || die "the shim patch no longer applies to gvisor.dev/gvisor ${GVISOR_VERSION}: update the patch in hack/provision-node.sh"
  cp "${NODE_WRAPPERS}/gvisor/go.mod" "${NODE_WRAPPERS}/gvisor/go.sum" "$copy/"
  echo "replace gvisor.dev/gvisor => ${copy}/gvisor" >> "${copy}/go.mod"
  echo "-modfile=${copy}/go.mod"
}
build_group gvisor "${NODE_WRAPPERS}/gvisor" "" "$PLAIN_LDFLAGS" \
  "gvisor.dev/gvisor/runsc gvisor.dev/gvisor/shim" "runsc=runsc shim=containerd-shim-runsc-v1" gvisor_patched_modfile
build_group coredns "${NODE_WRAPPERS}/coredns" "" "$PLAIN_LDFLAGS" "." "coredns=coredns"
build_group kube-router "${NODE_WRAPPERS}/kube-router" "" \
  "${PLAIN_LDFLAGS} -X github.com/cloudnativelabs/kube-router/v2/pkg/version.Version=${KUBE_ROUTER_VERSION}" \
  "github.com/cloudnativelabs/kube-router/v2/cmd/kube-router" "kube-router=kube-router"

build_group kubernetes-node "$K8S_WRAPPER" "$K8S_TAGS" "$K8S_LDFLAGS" \
  "k8s.io/kubernetes/cmd/kubelet k8s.io/kubernetes/cmd/kube-proxy" "kubelet=kubelet kube-proxy=kube-proxy"

step "report versions"
record_versions "kubernetes=${K8S_VERSION}
containerd=${CONTAINERD_VERSION}
gvisor=${GVISOR_VERSION}
coredns=${COREDNS_VERSION}
kube-router=${KUBE_ROUTER_VERSION}
busybox=$("$BUSYBOX" 2>&1 | sed -n 1p)
built-by=hack/provision-node.sh (from the Go module proxy, wrappers in hack/control-plane/kubernetes and hack/node/)"
ls -l "${OUT_DIR}" "${OUT_DIR}/images" >&2
echo "NODE_DIR=${OUT_DIR}"
