#!/usr/bin/env bash
# Proves the binaries that hack/provision-control-plane.sh built work together, on 127.0.0.1 only:
# etcd + kube-apiserver + kube-controller-manager + kube-scheduler + kwok; a fake Node becomes Ready, a Deployment's
# Pods are scheduled onto it and turn Running (kwok), and garbage collection / namespace deletion complete (KCM).
# Every process it starts is stopped (by PID) on exit; its scratch directory is removed unless KEEP=1.
#
# Usage: hack/smoke-control-plane.sh [BIN_DIR]
#   BIN_DIR defaults to the directory hack/provision-control-plane.sh reports (it is run first; warm: seconds).
set -Eeuo pipefail

STEP="start"
step() { STEP="$1"; echo "==> $1" >&2; }
trap 'echo "smoke-control-plane: FAILED in step [${STEP}] (exit $?, line ${LINENO}: ${BASH_COMMAND})" >&2' ERR

HACK_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BIN="${1:-}"
if [[ -z "$BIN" ]]; then
  step "provision (or reuse) the binaries"
  root="$("${HACK_DIR}/provision-control-plane.sh" | tail -n 1)"
  root="${root#KUBE_API_TEST_DIR=}"
  k8s="$(awk -F= '$1 == "kubernetes" {print $2}' "$root"/k8s/*/VERSIONS | head -n 1)"
  BIN="${root}/k8s/${k8s#v}-linux-amd64"
fi
for b in etcd kube-apiserver kube-controller-manager kube-scheduler kubectl kwok kwok-stages.yaml; do
  [[ -e "${BIN}/$b" ]] || { echo "missing ${BIN}/$b: run hack/provision-control-plane.sh" >&2; exit 1; }
done

W="$(mktemp -d /tmp/smoke-control-plane.XXXXXX)"
PIDS=()
cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  if [[ "${KEEP:-0}" == 1 ]]; then echo "logs kept in ${W}" >&2; else rm -rf "$W"; fi
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_for() { # <what> <seconds> <command...>
  local what="$1" t="$2"; shift 2
  local i; for ((i = 0; i < t * 2; i++)); do "$@" >/dev/null 2>&1 && return 0; sleep 0.5; done
  echo "timed out waiting for ${what}; logs in ${W} (re-run with KEEP=1 to keep them)" >&2; KEEP=1; return 1
}
start() { # <name> <command...>: background, log to $W/<name>.log
  local name="$1"; shift
  "$@" >"${W}/${name}.log" 2>&1 &
  PIDS+=("$!")
  echo "    ${name}: pid $! (log ${W}/${name}.log)" >&2
}

step "credentials"
openssl genrsa -out "${W}/sa.key" 2048 2>/dev/null
openssl rsa -in "${W}/sa.key" -pubout -out "${W}/sa.pub" 2>/dev/null
TOKEN="$(openssl rand -hex 16)"
echo "${TOKEN},smoke-admin,smoke-admin,\"system:masters\"" > "${W}/tokens.csv"
ETCD_PORT="$(free_port)"; PEER_PORT="$(free_port)"; API_PORT="$(free_port)"; KCM_PORT="$(free_port)"; SCHED_PORT="$(free_port)"
cat > "${W}/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: smoke
  cluster: {server: "https://127.0.0.1:${API_PORT}", insecure-skip-tls-verify: true}
users:
- name: smoke-admin
  user: {token: "${TOKEN}"}
contexts:
- name: smoke
  context: {cluster: smoke, user: smoke-admin}
current-context: smoke
EOF
export KUBECONFIG="${W}/kubeconfig"
k() { "${BIN}/kubectl" "$@"; }

step "etcd on 127.0.0.1:${ETCD_PORT}"
start etcd "${BIN}/etcd" --name smoke --data-dir "${W}/etcd" \
  --listen-client-urls "http://127.0.0.1:${ETCD_PORT}" --advertise-client-urls "http://127.0.0.1:${ETCD_PORT}" \
  --listen-peer-urls "http://127.0.0.1:${PEER_PORT}" --initial-advertise-peer-urls "http://127.0.0.1:${PEER_PORT}" \
  --initial-cluster "smoke=http://127.0.0.1:${PEER_PORT}" --unsafe-no-fsync
wait_for "etcd /health" 30 bash -c "exec 3<>/dev/tcp/127.0.0.1/${ETCD_PORT} && printf 'GET /health HTTP/1.0\r\n\r\n' >&3 && grep -q '\"health\":\"true\"' <&3"

step "kube-apiserver on 127.0.0.1:${API_PORT}"
start kube-apiserver "${BIN}/kube-apiserver" --etcd-servers "http://127.0.0.1:${ETCD_PORT}" \
  --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "${API_PORT}" --cert-dir "${W}/pki" \
  --token-auth-file "${W}/tokens.csv" --authorization-mode RBAC \
  --service-account-issuer https://kubernetes.default.svc.cluster.local \
  --service-account-key-file "${W}/sa.pub" --service-account-signing-key-file "${W}/sa.key" \
  --service-cluster-ip-range 10.96.0.0/16 --allow-privileged --endpoint-reconciler-type none
wait_for "kube-apiserver /readyz" 90 k get --raw /readyz
k version

step "kube-controller-manager, kube-scheduler, kwok"
start kube-controller-manager "${BIN}/kube-controller-manager" --kubeconfig "${W}/kubeconfig" \
  --authentication-kubeconfig "${W}/kubeconfig" --authorization-kubeconfig "${W}/kubeconfig" \
  --bind-address 127.0.0.1 --secure-port "${KCM_PORT}" --leader-elect=false \
  --service-account-private-key-file "${W}/sa.key" --use-service-account-credentials=false
start kube-scheduler "${BIN}/kube-scheduler" --kubeconfig "${W}/kubeconfig" \
  --authentication-kubeconfig "${W}/kubeconfig" --authorization-kubeconfig "${W}/kubeconfig" \
  --bind-address 127.0.0.1 --secure-port "${SCHED_PORT}" --leader-elect=false
# --node-lease-duration-seconds: kwok renews each fake Node's Lease as a kubelet does; without it the node controller
# marks the Node (and its Pods) not ready after its grace period, for good.
start kwok "${BIN}/kwok" --kubeconfig "${W}/kubeconfig" --config "${BIN}/kwok-stages.yaml" \
  --manage-all-nodes=false --manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake \
  --node-ip 127.0.0.1 --cidr 10.244.0.0/16 --node-lease-duration-seconds 40
wait_for "the default ServiceAccount (KCM serviceaccount controller)" 60 k get serviceaccount default -n default

step "fake Node becomes Ready"
k apply -f - <<'EOF'
apiVersion: v1
kind: Node
metadata:
  name: kwok-node-0
  annotations:
    kwok.x-k8s.io/node: fake
  labels:
    type: kwok
    kubernetes.io/hostname: kwok-node-0
    kubernetes.io/os: linux
    kubernetes.io/arch: amd64
EOF
k wait --for=condition=Ready node/kwok-node-0 --timeout=60s
wait_for "the fake Node's heartbeat Lease (kube-node-lease/kwok-node-0)" 60 k -n kube-node-lease get lease kwok-node-0

step "Deployment: Pods scheduled and Running"
k create namespace smoke
k -n smoke create deployment web --image=example.invalid/web:1 --replicas=2
k -n smoke rollout status deployment/web --timeout=90s
k -n smoke get pods -o wide
phases="$(k -n smoke get pods -o jsonpath='{range .items[*]}{.status.phase}{" "}{end}')"
[[ "$phases" == "Running Running " ]] || { echo "pod phases: ${phases}" >&2; false; }

step "garbage collection and namespace deletion"
k -n smoke delete deployment web --wait=true --timeout=60s
wait_for "Pods garbage-collected" 60 bash -c "[[ -z \"\$('${BIN}/kubectl' -n smoke get pods -o name)\" ]]"
k delete namespace smoke --wait=true --timeout=60s

echo "SMOKE OK: etcd $("${BIN}/etcd" --version | awk '/etcd Version/ {print $3}'), $(k version -o json | python3 -c 'import json,sys; print("kube-apiserver", json.load(sys.stdin)["serverVersion"]["gitVersion"])'), kwok $("${BIN}/kwok" --version 2>&1 | head -n 1)"
