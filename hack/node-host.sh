#!/usr/bin/env bash
# The host side of the embedded node (what needs root and the shell): checks, network, and exact cleanup.
# Called by the tests' EmbeddedNode (operator/src/test/.../testing) and by hack/run-local.sh.
#
#   hack/node-host.sh preflight   checks root, kernel features, Debian packages and ports; one line per problem
#   hack/node-host.sh up          cleans the leftovers of a killed run, then creates what the node needs
#   hack/node-host.sh down        removes everything the node created (also what a killed run left)
#   hack/node-host.sh leftovers   lists what down would remove, touching nothing
#
# One node per machine: everything it creates carries a fixed name, so cleanup touches nothing else:
#   directories  /run/agentsandbox-node (state, sockets, configs, netns, runc/runsc roots)
#                /var/lib/agentsandbox-node (containerd images and snapshots, kubelet root)
#   processes    those whose command line names one of these directories (containerd, shims, kubelet, ...),
#                and every process in the cgroup /agentsandbox-node (the pods; kubelet's cgroupRoot, made here)
#   network      interface asnode0 (198.19.255.1: node, API server, DNS; a bridge without ports, as these kernels
#                have no dummy interfaces), bridge asnode-br0 (pods, made by the CNI bridge plugin),
#                iptables chain AGENTSANDBOX-NODE (mangle), plus kube-proxy's KUBE-* and kube-router's
#                KUBE-ROUTER-* chains and ipsets, removed by those programs' own cleanup modes
#   sysctls      net.ipv4.ip_forward and net.bridge.bridge-nf-call-iptables: old values restored on down
#
# Addresses (all in 198.18.0.0/15, the benchmarking range; nothing from it is routed off this machine):
#   pods 198.18.0.0/24 (node podCIDR; the cluster CIDR is 198.18.0.0/16), Services 198.19.0.0/17,
#   test hosts 198.19.128.0/18 (network namespaces the tests create), node 198.19.255.1/32.
# Containment: pod packets to any address outside 198.18.0.0/15 are dropped, forwarded or local.
set -Eeuo pipefail

NAME="node-host"
STATE_DIR=/run/agentsandbox-node
DATA_DIR=/var/lib/agentsandbox-node
CGROUP_NAME=agentsandbox-node
NODE_IF=asnode0
NODE_IP=198.19.255.1
BRIDGE=asnode-br0
POD_CIDR=198.18.0.0/24
CLUSTER_RANGE=198.18.0.0/15
CHAIN=AGENTSANDBOX-NODE
DNS_PORT=53
CNI_DIR=/usr/lib/cni
NODE_BIN="${NODE_BIN:-}"   # the provisioned node directory (kube-proxy, kube-router cleanup modes)
PROC="${NODE_HOST_PROC:-/proc}"   # where the kernel-feature checks read; the tests point it at a made-up kernel

fail() { echo "${NAME}: $*" >&2; exit 1; }
note() { echo "${NAME}: $*" >&2; }

# --- checks: each failure is one line naming what is missing and the fix --------------------------------------
preflight() {
  [[ "$(id -u)" == 0 ]] || fail "the node needs root (containerd, kubelet, iptables): run as root, or use the kwok tier"
  local p
  for p in runc:runc iptables:iptables ipset:ipset ip:iproute2 ss:iproute2; do
    command -v "${p%%:*}" >/dev/null 2>&1 || fail "${p%%:*} not found: apt-get install -y ${p#*:}"
  done
  for p in bridge host-local loopback portmap; do
    [[ -x "${CNI_DIR}/${p}" ]] || fail "CNI plugin ${CNI_DIR}/${p} not found: apt-get install -y containernetworking-plugins"
  done
  grep -qsw overlay "${PROC}/filesystems" || fail "kernel lacks overlayfs (CONFIG_OVERLAY_FS): containerd's overlayfs snapshotter needs it"
  [[ -e "${PROC}/sys/net/bridge/bridge-nf-call-iptables" ]] \
    || fail "kernel lacks br_netfilter (no /proc/sys/net/bridge/bridge-nf-call-iptables): modprobe br_netfilter, or a kernel with CONFIG_BRIDGE_NETFILTER"
  local c
  for c in cpu memory pids cpuset; do
    grep -qsE "^${c}[[:space:]]+[0-9]+[[:space:]]+[0-9]+[[:space:]]+1" "${PROC}/cgroups" \
      || fail "cgroup controller '${c}' is not enabled (/proc/cgroups): the kubelet needs it"
  done
  ipset list -n >/dev/null 2>&1 || fail "ipset does not work (kernel without CONFIG_IP_SET?): kube-router's NetworkPolicy enforcement needs it"
  iptables -t mangle -L -n >/dev/null 2>&1 || fail "iptables mangle table unavailable: the node's containment rules need it"
  [[ -c /dev/kmsg ]] || fail "/dev/kmsg missing: the kubelet reads kernel messages from it"
  local holder
  # ss -u prints: State Recv-Q Send-Q Local Peer Process (no Netid column with a single protocol).
  holder="$(ss -Hlnup "( sport = :${DNS_PORT} )" 2>/dev/null | awk -v ip="${NODE_IP}" '$4 ~ "^(0\\.0\\.0\\.0|\\*|"ip"):" {print $4" "$6; exit}')"
  [[ -z "$holder" ]] || fail "port ${DNS_PORT}/udp is in use (${holder}): the node's DNS binds ${NODE_IP}:${DNS_PORT}; stop that server or bind it to another address"
}

# --- owner: one node per machine ------------------------------------------------------------------------------
owner_alive() { # the process that started the node (its pid in owner.pid) still runs
  [[ -f "${STATE_DIR}/owner.pid" ]] || return 1
  local pid; pid="$(cat "${STATE_DIR}/owner.pid")"
  [[ -n "$pid" && "$pid" != "${OWNER_PID:-}" ]] && kill -0 "$pid" 2>/dev/null
}

# --- cleanup: only what carries the node's names ----------------------------------------------------------------
our_pids() { # processes whose command line names our directories (read in bash: no helper process can match)
  local d pid cmd
  for d in /proc/[0-9]*; do
    pid="${d#/proc/}"
    [[ "$pid" == "$$" || "$pid" == "$BASHPID" || "$pid" == "${OWNER_PID:-}" ]] && continue
    cmd="$(2>/dev/null tr '\0' ' ' < "${d}/cmdline")" || continue
    if [[ "$cmd" == *"${STATE_DIR}/"* || "$cmd" == *"${DATA_DIR}/"* ]]; then echo "$pid"; fi
  done
  # And whatever listens on the node's address (a killed run's API server): only the node has that address.
  if ip -4 addr show dev "$NODE_IF" 2>/dev/null | grep -q "inet ${NODE_IP}/"; then
    ss -Hlntup 2>/dev/null | awk -v a="${NODE_IP}:" 'index($5, a) == 1' | grep -o 'pid=[0-9]*' | cut -d= -f2 \
      | grep -vx -e "$$" -e "${OWNER_PID:-none}" || true
  fi
}
describe() { # <pids...>: their commands, shortened, for the log
  local p; for p in "$@"; do echo -n "$(2>/dev/null tr '\0' ' ' < "/proc/${p}/cmdline" | cut -c1-60); "; done
}
cgroup_pids() { # every process in our cgroup subtree, in any hierarchy
  local f
  for f in /sys/fs/cgroup/*/"${CGROUP_NAME}" /sys/fs/cgroup/unified/"${CGROUP_NAME}"; do
    if [[ -d "$f" ]]; then find "$f" -name cgroup.procs -exec cat {} + 2>/dev/null || true; fi
  done | sort -u
}
our_mounts() { # mount points under our directories, deepest first
  awk -v a="${STATE_DIR}" -v b="${DATA_DIR}" '$5 == a || index($5, a"/") == 1 || index($5, b"/") == 1 {print $5}' \
    /proc/self/mountinfo | sort -r
}
leftovers() { # what cleanup would remove, one item a line, without touching anything
  local p
  for p in $(our_pids) $(cgroup_pids); do echo "process ${p} $(describe "$p")"; done
  our_mounts | sed 's/^/mount /'
  if iptables -t mangle -nL "$CHAIN" >/dev/null 2>&1; then echo "chain mangle/${CHAIN}"; fi
  for p in "$BRIDGE" "$NODE_IF"; do if ip link show "$p" >/dev/null 2>&1; then echo "link ${p}"; fi; done
  for p in /sys/fs/cgroup/*/"${CGROUP_NAME}"; do if [[ -d "$p" ]]; then echo "cgroup ${p}"; fi; done
  for p in filter nat mangle raw; do
    iptables-save -t "$p" 2>/dev/null | sed -n "s/^:\(KUBE-[^ ]*\) .*/chain ${p}\/\1/p"
  done
  ipset list -n 2>/dev/null | sed -n 's/^\(KUBE-.*\)/ipset \1/p'
}
cleanup() {
  local n pids
  # Daemons first (they would restart containers), then the pods' processes, gVisor sandboxes included.
  pids="$(our_pids)"
  if [[ -n "$pids" ]]; then
    note "stopping $(echo "$pids" | wc -w) node processes: $(describe $pids)"
    kill -9 $pids 2>/dev/null || true
  fi
  for n in 1 2 3 4 5; do
    pids="$(cgroup_pids)"
    [[ -z "$pids" ]] && break
    kill -9 $pids 2>/dev/null || true
    sleep 0.2
  done
  [[ -z "$(our_pids)$(cgroup_pids)" ]] || note "warning: some node processes survived SIGKILL: $(our_pids) $(cgroup_pids)"
  # Mounts under our directories, deepest first (container rootfs, shm, secrets, netns files).
  local m
  while read -r m; do umount -l "$m" 2>/dev/null || note "warning: cannot unmount ${m}"; done < <(our_mounts)
  # The kubelet links container logs from the fixed /var/log/containers to its podLogsDir under DATA_DIR.
  local link
  for link in /var/log/containers/*.log; do
    if [[ -L "$link" && "$(readlink "$link")" == "${DATA_DIR}/"* ]]; then rm -f "$link"; fi
  done
  # cgroups: leaves first.
  local root
  for root in /sys/fs/cgroup/*/"${CGROUP_NAME}" /sys/fs/cgroup/unified/"${CGROUP_NAME}"; do
    if [[ -d "$root" ]]; then find "$root" -depth -type d -exec rmdir {} + 2>/dev/null || true; fi
  done
  # The KUBE-* chains and ipsets of the node's Kubernetes programs (kubelet's canaries, kube-proxy's Services,
  # kube-router's KUBE-ROUTER-/KUBE-POD-FW-/KUBE-NWPLCY- policies and KUBE-SRC-/KUBE-DST- sets). kube-proxy --cleanup
  # handles its nftables side too; kube-router v2.1's --cleanup-config panics without a cluster, so the rest goes by
  # name. Only when this node left something behind (a state dir or our chain): one node per machine.
  if [[ -n "$NODE_BIN" && -x "${NODE_BIN}/kube-proxy" ]] && iptables-save 2>/dev/null | grep -q '^:KUBE-'; then
    "${NODE_BIN}/kube-proxy" --cleanup --v=0 >/dev/null 2>&1 || note "warning: kube-proxy --cleanup failed"
  fi
  remove_kube_chains
  # Our containment chain.
  local hook
  for hook in FORWARD INPUT; do
    while iptables -t mangle -D "$hook" -j "$CHAIN" 2>/dev/null; do :; done
  done
  if iptables -t mangle -nL "$CHAIN" >/dev/null 2>&1; then
    iptables -t mangle -F "$CHAIN" && iptables -t mangle -X "$CHAIN"
  fi
  # Interfaces (pod veths go with their netns; the bridge is the CNI bridge plugin's, named by us).
  local link_name
  for link_name in "$BRIDGE" "$NODE_IF"; do
    if ip link show "$link_name" >/dev/null 2>&1; then ip link delete "$link_name"; fi
  done
  # host-local IPAM keeps its leases under our state dir; sysctls back to what they were.
  restore_sysctls
  rm -rf "${STATE_DIR:?}"/* 2>/dev/null || true
}

remove_kube_chains() { # jumps from the built-in chains into KUBE-* chains, then those chains, then KUBE-* ipsets
  local table rule chain set
  for table in filter nat mangle raw; do
    while read -r rule; do
      eval "iptables -t ${table} -D ${rule#-A }" 2>/dev/null || note "warning: cannot delete ${table}: ${rule}"
    done < <(iptables-save -t "$table" 2>/dev/null | grep -E '^-A (INPUT|FORWARD|OUTPUT|PREROUTING|POSTROUTING) .*-j KUBE-')
    for chain in $(iptables-save -t "$table" 2>/dev/null | sed -n 's/^:\(KUBE-[^ ]*\) .*/\1/p'); do
      iptables -t "$table" -F "$chain" 2>/dev/null || true
    done
    for chain in $(iptables-save -t "$table" 2>/dev/null | sed -n 's/^:\(KUBE-[^ ]*\) .*/\1/p'); do
      iptables -t "$table" -X "$chain" 2>/dev/null || note "warning: cannot delete chain ${table}/${chain}"
    done
  done
  for set in $(ipset list -n 2>/dev/null | grep '^KUBE-'); do
    ipset destroy "$set" 2>/dev/null || note "warning: cannot destroy ipset ${set}"
  done
}

set_sysctl() { # <key> <value>: remembers the old value once, for restore_sysctls
  local file="/proc/sys/${1//.//}"
  [[ -f "${STATE_DIR}/sysctl.${1}" ]] || cat "$file" > "${STATE_DIR}/sysctl.${1}"
  echo "$2" > "$file"
}
restore_sysctls() {
  local f key
  for f in "${STATE_DIR}"/sysctl.*; do
    [[ -f "$f" ]] || continue
    key="${f##*/sysctl.}"
    cat "$f" > "/proc/sys/${key//.//}" 2>/dev/null || note "warning: cannot restore ${key}"
  done
}

up() {
  owner_alive && fail "a node is already running on this machine (owner pid $(cat "${STATE_DIR}/owner.pid")): stop it first, or wait"
  [[ "$(id -u)" == 0 ]] || fail "the node needs root (containerd, kubelet, iptables): run as root, or use the kwok tier"
  # Leftovers first: a killed run's CoreDNS would otherwise hold the port the preflight checks.
  if [[ -n "$(leftovers)" ]]; then
    note "cleaning up the leftovers of an earlier run"
    cleanup
  fi
  preflight
  mkdir -p "$STATE_DIR" "$DATA_DIR"
  [[ -n "${OWNER_PID:-}" ]] && echo "$OWNER_PID" > "${STATE_DIR}/owner.pid"

  ip link add "$NODE_IF" type bridge || fail "cannot create the bridge ${NODE_IF} (kernel without CONFIG_BRIDGE?)"
  ip addr add "${NODE_IP}/32" dev "$NODE_IF"
  ip link set "$NODE_IF" up

  # The kubelet's cgroupRoot must exist in every hierarchy (cgroup v1 here); cpuset children start empty.
  local h
  for h in /sys/fs/cgroup/*/; do
    mkdir -p "${h}${CGROUP_NAME}"
    if [[ -f "${h}cpuset.cpus" ]]; then
      cat "${h}cpuset.cpus" > "${h}${CGROUP_NAME}/cpuset.cpus"
      cat "${h}cpuset.mems" > "${h}${CGROUP_NAME}/cpuset.mems"
    fi
  done

  set_sysctl net.ipv4.ip_forward 1                  # pod -> Service -> pod is routed through the bridge
  set_sysctl net.bridge.bridge-nf-call-iptables 1   # bridged pod traffic passes kube-proxy's and the policy rules

  # Containment before any other rule can accept: mangle runs ahead of filter, nobody else uses these hooks here.
  iptables -t mangle -N "$CHAIN"
  iptables -t mangle -A "$CHAIN" -s "$POD_CIDR" ! -d "$CLUSTER_RANGE" -m comment --comment "agentsandbox node: pods reach only 198.18.0.0/15" -j DROP
  iptables -t mangle -I FORWARD 1 -j "$CHAIN"
  iptables -t mangle -I INPUT 1 -j "$CHAIN"

  # Pods resolve through the cluster DNS only; a pod with dnsPolicy Default gets no resolver at all.
  : > "${STATE_DIR}/resolv.conf"
  echo "${NAME}: up (node ${NODE_IP} on ${NODE_IF}, pods ${POD_CIDR} on ${BRIDGE}, chain mangle/${CHAIN})" >&2
}

down() {
  owner_alive && fail "the node is owned by the running process $(cat "${STATE_DIR}/owner.pid"): stop that process instead"
  cleanup
  echo "${NAME}: down" >&2
}

case "${1:-}" in
  preflight) preflight; echo "${NAME}: preflight ok" >&2 ;;
  up) up ;;
  down) down ;;
  leftovers) leftovers ;;
  *) echo "usage: $0 preflight|up|down|leftovers   (env: OWNER_PID, NODE_BIN)" >&2; exit 2 ;;
esac
