#!/usr/bin/env bash
# The sidecar image's own start, as a pod runs it: the image's root filesystem (unpacked from the OCI archive that
# hack/build-images.sh / ./mvnw -Pimages wrote), its JVM, jar and entrypoint flags, under the sidecar UIDs (chroot,
# a private mount namespace with /proc; loopback ports). Per role, START_RUNS fresh starts with the entrypoint as it
# is ("image") and without its class-data archive ("image-no-cds"), interleaved: process start to /healthz answering
# 200 (bench/start_probe.py), and VmRSS, its anonymous and file-backed parts and the PSS (file pages shared with the
# other sidecar of the pod count half) 2 s after /healthz. -XX:MaxRAM=256m stands in for the container's limit.
#
#   bench/image-start.sh [SIDECAR_IMAGE]     # default: ${AGENTSANDBOX_IMAGES_DIR:-~/.agentsandbox/images}/sidecar.tar
# Needs root (chroot), python3.
source "$(dirname "$0")/lib.sh"
need python3 tar unshare chroot
[[ "$(id -u)" == 0 ]] || { echo "needs root (chroot into the image)" >&2; exit 2; }
IMAGE="${1:-${AGENTSANDBOX_IMAGES_DIR:-$HOME/.agentsandbox/images}/sidecar.tar}"
[[ -s "$IMAGE" ]] || { echo "$IMAGE is missing: hack/build-images.sh java" >&2; exit 2; }
START_RUNS="${START_RUNS:-5}"
OUT="${OUT:-}"
ROOT="$WORK/root"
mkdir -p "$ROOT" "$WORK/oci"
tar -C "$WORK/oci" -xf "$IMAGE"
# The layers in order and the entrypoint, from the OCI index, manifest and config.
mapfile -t ENTRYPOINT < <(python3 - "$WORK/oci" "$ROOT" <<'EOF'
import json, subprocess, sys
oci, root = sys.argv[1:3]
blob = lambda digest: f"{oci}/blobs/sha256/{digest.split(':')[1]}"
manifest = json.load(open(blob(json.load(open(f"{oci}/index.json"))["manifests"][0]["digest"])))
for layer in manifest["layers"]:
    subprocess.run(["tar", "-C", root, "-xzf", blob(layer["digest"])], check=True, stderr=subprocess.DEVNULL)
print("\n".join(json.load(open(blob(manifest["config"]["digest"])))["config"]["Entrypoint"]))
EOF
)
JAR_ARGS=("${ENTRYPOINT[@]: -2}")
JVM=("${ENTRYPOINT[@]:0:${#ENTRYPOINT[@]}-2}" -XX:MaxRAM=256m)
declare -A FLAGS=([image]="${JVM[*]}" [image-no-cds]="$(printf '%s\n' "${JVM[@]}" | grep -v '^-XX:SharedArchiveFile=' | tr '\n' ' ')")
VARIANTS=(image-no-cds image)
mkdir -p "$ROOT/tmp/bench"
chmod 1777 "$ROOT/tmp/bench"
echo "bench-canary-not-a-secret" >"$ROOT/tmp/bench/credential"
chmod 644 "$ROOT/tmp/bench/credential"

in_image() { # UID COMMAND...: in the image's root, as that user
    local uid="$1"; shift
    exec unshare --mount --propagation private bash -c 'mount -t proc proc "$0/proc" && exec chroot --userspec="$1:$1" "$0" "${@:2}"' \
        "$ROOT" "$uid" "$@"
}
export -f in_image
export ROOT

declare -A STARTS RSS ANON FILE PSS
START_TIME="$(date -u +%FT%TZ)"
LOAD_BEFORE="$(machine_line)"
LOADS=()
for round in $(seq 1 "$START_RUNS"); do
    for variant in "${VARIANTS[@]}"; do
        for role in proxy bridge; do
            port=$(free_port)
            admin=$(free_port)
            if [[ "$role" == proxy ]]; then
                uid=1337
                args=(proxy --listen "127.0.0.1:$port" --admin "127.0.0.1:$admin" --ca-dir "/tmp/bench/ca-$port"
                    --credential "host=localhost,header=Authorization,format=Bearer %s,file=/tmp/bench/credential")
            else
                uid=1338
                args=(bridge --listen "127.0.0.1:$port" --admin "127.0.0.1:$admin" --default-model bench-model
                    --upstream "http://127.0.0.1:9/engines/llama.cpp")
            fi
            # shellcheck disable=SC2086
            out="$(python3 "$BENCH_DIR/start_probe.py" "$admin" "$WORK/$role-$variant-$round.log" \
                bash -c 'in_image "$@"' in_image "$uid" ${FLAGS[$variant]} "${JAR_ARGS[@]}" "${args[@]}")" \
                || { tail -20 "$WORK/$role-$variant-$round.log" >&2; exit 1; }
            pid="${out% *}"
            STARTED_PIDS+=("$pid")
            STARTS[$role/$variant]+="${out#* } "
            sleep 2
            # The JVM is the last exec of that process (bash, unshare, bash, chroot exec one another).
            read -r rss anon file < <(awk '/^VmRSS:/ { r = $2 } /^RssAnon:/ { a = $2 } /^RssFile:/ { f = $2 }
                END { print r, a, f }' "/proc/$pid/status")
            pss="$(awk '/^Pss:/ { print $2 }' "/proc/$pid/smaps_rollup")"
            RSS[$role/$variant]+="$rss "; ANON[$role/$variant]+="$anon "; FILE[$role/$variant]+="$file "
            PSS[$role/$variant]+="$pss "
            kill "$pid"
            wait "$pid" 2>/dev/null || true
        done
    done
    LOADS+=("$(cut -d' ' -f1 /proc/loadavg)")
    echo "round $round/$START_RUNS done" >&2
done

median() { python3 -c 'import statistics, sys; v = sorted(map(int, sys.argv[2:])); m = statistics.median(v)
print(f"{m:.0f} ({v[0]}–{v[-1]})" if sys.argv[1] == "ms" else f"{m / 1024:.1f}")' "$@"; }
[ -z "$OUT" ] || mkdir -p "$(dirname "$OUT")"
{
    echo "### Sidecar image start — $START_TIME, commit $(git -C "$REPO_ROOT" rev-parse --short HEAD)"
    echo
    echo "- machine before the run: $LOAD_BEFORE; 1-minute load after each round: ${LOADS[*]}"
    echo "- image: \`$IMAGE\` (sha256 $(sha256sum "$IMAGE" | cut -c1-12)); entrypoint \`${ENTRYPOINT[*]}\`, plus -XX:MaxRAM=256m"
    echo "- \"image-no-cds\": the same without \`-XX:SharedArchiveFile\`; $START_RUNS starts per role and variant, interleaved"
    echo
    echo "| role | variant | start to /healthz ms, median (min–max) | VmRSS MiB | anonymous | file-backed | PSS |"
    echo "|---|---|---|---|---|---|---|"
    for role in proxy bridge; do
        for variant in "${VARIANTS[@]}"; do
            k="$role/$variant"
            # shellcheck disable=SC2086
            echo "| $role | $variant | $(median ms ${STARTS[$k]}) | $(median kib ${RSS[$k]}) | $(median kib ${ANON[$k]}) | $(median kib ${FILE[$k]}) | $(median kib ${PSS[$k]}) |"
        done
    done
} | tee ${OUT:+"$OUT"}
