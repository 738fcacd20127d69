#!/usr/bin/env bash
# The sidecar image's own start, as a pod runs it: the image's root filesystem (unpacked from the OCI archive that
# hack/build-images.sh / ./mvnw -Pimages wrote), its JVM, jar and entrypoint flags, under the sidecar UIDs (chroot,
# a private mount namespace with /proc; loopback ports). Per role, START_RUNS fresh starts with the entrypoint as it
# is ("image") and without its class-data archive ("image-no-cds"), and, given BEFORE_IMAGE, that image's entrypoint
# ("before"), interleaved: process start to /healthz answering 200 (bench/start_probe.py), the CPU time the process
# spent until then (utime + stime: what a busy machine does not distort), and VmRSS with its anonymous and
# file-backed parts 2 s after /healthz. -XX:MaxRAM=256m stands in for the container's memory limit.
#
#   bench/image-start.sh [SIDECAR_IMAGE]     # default: ${AGENTSANDBOX_IMAGES_DIR:-~/.agentsandbox/images}/sidecar.tar
#   BEFORE_IMAGE=/path/to/older/sidecar.tar bench/image-start.sh
# Needs root (chroot), python3.
source "$(dirname "$0")/lib.sh"
need python3 tar unshare chroot
[[ "$(id -u)" == 0 ]] || { echo "needs root (chroot into the image)" >&2; exit 2; }
IMAGE="${1:-${AGENTSANDBOX_IMAGES_DIR:-$HOME/.agentsandbox/images}/sidecar.tar}"
[[ -s "$IMAGE" ]] || { echo "$IMAGE is missing: hack/build-images.sh java" >&2; exit 2; }
BEFORE_IMAGE="${BEFORE_IMAGE:-}"
START_RUNS="${START_RUNS:-5}"
OUT="${OUT:-}"
CLK_TCK="$(getconf CLK_TCK)"

declare -A FLAGS ROOTS ENTRYPOINTS
# unpack NAME ARCHIVE: the image's layers in order under $WORK/NAME; prints its entrypoint, one word a line.
unpack() {
    mkdir -p "$WORK/$1/root" "$WORK/$1/oci"
    tar -C "$WORK/$1/oci" -xf "$2"
    python3 - "$WORK/$1/oci" "$WORK/$1/root" <<'EOF'
import json, subprocess, sys
oci, root = sys.argv[1:3]
blob = lambda digest: f"{oci}/blobs/sha256/{digest.split(':')[1]}"
manifest = json.load(open(blob(json.load(open(f"{oci}/index.json"))["manifests"][0]["digest"])))
for layer in manifest["layers"]:
    subprocess.run(["tar", "-C", root, "-xzf", blob(layer["digest"])], check=True, stderr=subprocess.DEVNULL)
print("\n".join(json.load(open(blob(manifest["config"]["digest"])))["config"]["Entrypoint"]))
EOF
    mkdir -p "$WORK/$1/root/tmp/bench"
    chmod 1777 "$WORK/$1/root/tmp/bench"
    echo "bench-canary-not-a-secret" >"$WORK/$1/root/tmp/bench/credential"
    chmod 644 "$WORK/$1/root/tmp/bench/credential"
}
# add_variant NAME IMAGE-DIR [FLAG TO DROP]: the image's JVM options (without FLAG), MaxRAM standing in for the limit.
add_variant() {
    local jvm=("${ENTRYPOINT[@]:1:${#ENTRYPOINT[@]}-3}") flag
    FLAGS[$1]=""
    for flag in "${jvm[@]}"; do
        [[ -n "${3:-}" && "$flag" == "$3"* ]] || FLAGS[$1]+="$flag "
    done
    FLAGS[$1]+="-XX:MaxRAM=256m"
    ROOTS[$1]="$WORK/$2/root"
    ENTRYPOINTS[$1]="${ENTRYPOINT[*]}"
}
VARIANTS=()
if [[ -n "$BEFORE_IMAGE" ]]; then
    mapfile -t ENTRYPOINT < <(unpack before "$BEFORE_IMAGE")
    add_variant before before
    VARIANTS+=(before)
fi
mapfile -t ENTRYPOINT < <(unpack image "$IMAGE")
JAR="${ENTRYPOINT[-1]}"
add_variant image-no-cds image "-XX:SharedArchiveFile="
add_variant image image
VARIANTS+=(image-no-cds image)

in_image() { # ROOT UID COMMAND...: in that root, as that user
    exec unshare --mount --propagation private bash -c 'mount -t proc proc "$0/proc" && exec chroot --userspec="$1:$1" "$0" "${@:2}"' \
        "$@"
}
export -f in_image

declare -A STARTS CPU RSS ANON FILE
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
                bash -c 'in_image "$@"' in_image "${ROOTS[$variant]}" "$uid" /opt/java/bin/java ${FLAGS[$variant]} \
                -jar "$JAR" "${args[@]}")" || { tail -20 "$WORK/$role-$variant-$round.log" >&2; exit 1; }
            # The JVM is the last exec of that process (bash, unshare, bash, chroot exec one another).
            pid="${out% *}"
            STARTED_PIDS+=("$pid")
            STARTS[$role/$variant]+="${out#* } "
            CPU[$role/$variant]+="$(awk -v hz="$CLK_TCK" '{ print int(($14 + $15) * 1000 / hz) }' "/proc/$pid/stat") "
            sleep 2
            read -r rss anon file < <(awk '/^VmRSS:/ { r = $2 } /^RssAnon:/ { a = $2 } /^RssFile:/ { f = $2 }
                END { print r, a, f }' "/proc/$pid/status")
            RSS[$role/$variant]+="$rss "; ANON[$role/$variant]+="$anon "; FILE[$role/$variant]+="$file "
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
    [[ -z "$BEFORE_IMAGE" ]] || echo "- \"before\": \`$BEFORE_IMAGE\` (sha256 $(sha256sum "$BEFORE_IMAGE" | cut -c1-12)), entrypoint \`${ENTRYPOINTS[before]}\`"
    echo "- \"image\": \`$IMAGE\` (sha256 $(sha256sum "$IMAGE" | cut -c1-12)), entrypoint \`${ENTRYPOINTS[image]}\`"
    echo "- \"image-no-cds\": the same without \`-XX:SharedArchiveFile\`; every variant with -XX:MaxRAM=256m;" \
        "$START_RUNS starts per role and variant, interleaved; RSS 2 s after /healthz, medians"
    echo
    echo "| role | variant | start to /healthz ms, median (min–max) | CPU ms until /healthz | VmRSS MiB | anonymous | file-backed |"
    echo "|---|---|---|---|---|---|---|"
    for role in proxy bridge; do
        for variant in "${VARIANTS[@]}"; do
            k="$role/$variant"
            # shellcheck disable=SC2086
            echo "| $role | $variant | $(median ms ${STARTS[$k]}) | $(median ms ${CPU[$k]}) | $(median kib ${RSS[$k]}) | $(median kib ${ANON[$k]}) | $(median kib ${FILE[$k]}) |"
        done
    done
} | tee ${OUT:+"$OUT"}
