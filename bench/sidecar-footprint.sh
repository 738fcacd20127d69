#!/usr/bin/env bash
# Sidecar footprint, start time and TLS cost, for several JVM flag sets side by side in one run, squid beside them:
# - start: process start to /healthz answering 200, START_RUNS fresh starts per role and flag set (interleaved);
# - memory: VmRSS of the proxy and the bridge at start, after warm-up, the peak sampled during the load, after it;
# - CPU of the process under test per 1000 requests: plain HTTP and intercepted HTTPS (keep-alive), a new CONNECT
#   tunnel and a new intercepted connection per request, non-streamed chat completions through the bridge.
# The flag sets: "before" (the image's flags before issue 18, with the JDK's TLS), "image-no-cds" (the flags of the
# Jib entrypoint in bridge-sidecar/pom.xml, read from it, without its class-data archive), "image" (those with a
# class-data archive of both roles made as hack/sidecar-image-files.sh makes the image's: a training run per role,
# one static archive of both class lists), "image-jdk-tls" (the image's with the JDK's TLS instead of BoringSSL),
# "image-c2" (the image's without the C1-only flags), or FLAG_SETS (lines of NAME=FLAGS; @ARCHIVE@ in FLAGS becomes
# that archive, @ROLE@ becomes proxy or bridge). Every set gets -XX:MaxRAM=256m, standing in for a 256 MiB limit.
# JARS (lines of NAME=PATH) runs the named flag sets on another build of the sidecar (the others run SIDECAR_JAR):
# two builds compared in one run, e.g. the jar of main against this one (the class-data archive is made from
# SIDECAR_JAR, so compare builds with sets that do not name @ARCHIVE@).
# The bridge's streamed answers: CPU per stream of SSE_EVENTS events ("stream", nginx sends them at once), and the
# time to the first event of a paced stream (PACED_EVENTS events, one every INTERVAL_MS, from bench/fake_runner.py;
# PACED_REQUESTS per bridge, alternating with the runner itself; a bridge per flag set started for it).
#
#   bench/sidecar-footprint.sh          # DURATION=5 ROUNDS=3 CONCURRENCY=16 WARMUP=3 START_RUNS=5 by default
source "$(dirname "$0")/lib.sh"
source "$BENCH_DIR/upstream.sh"
need hey nginx squid openssl python3 java curl
need_jar

OUT="${OUT:-}"
RESULTS="$WORK/runs.tsv"
START_RUNS="${START_RUNS:-5}"
SSE_EVENTS="${SSE_EVENTS:-200}"
PACED_EVENTS="${PACED_EVENTS:-50}"
INTERVAL_MS="${INTERVAL_MS:-10}"
PACED_REQUESTS="${PACED_REQUESTS:-20}"
ENGINE=/engines/llama.cpp
if (exec 3<>/dev/tcp/127.0.0.1/443) 2>/dev/null; then
    echo "127.0.0.1:443 is taken: the intercepted cases need it for the benchmark's nginx (see BENCHMARKS.md)" >&2
    exit 2
fi

IMAGE_FLAGS="$(image_java_opts)"
LIMIT_FLAG="-XX:MaxRAM=256m"
if [[ -z "${FLAG_SETS:-}" ]]; then
    FLAG_SETS="before=-XX:+UseSerialGC -Xss512k -XX:TieredStopAtLevel=1 -XX:MaxRAMPercentage=70 -XX:+ExitOnOutOfMemoryError -Dio.netty.handler.ssl.noOpenSsl=true
image-no-cds=$IMAGE_FLAGS
image=$IMAGE_FLAGS -XX:SharedArchiveFile=@ARCHIVE@
image-jdk-tls=$IMAGE_FLAGS -XX:SharedArchiveFile=@ARCHIVE@ -Dio.netty.handler.ssl.noOpenSsl=true
image-c2=$(with_c2 "$IMAGE_FLAGS") -XX:SharedArchiveFile=@ARCHIVE@"
fi
FLAG_SETS="${FLAG_SETS//@ARCHIVE@/$WORK/sidecar.jsa}"
declare -A FLAGS JAR
while IFS= read -r line; do
    [[ -n "$line" ]] || continue
    [[ -f "${line#*=}" ]] || { echo "JARS: no file ${line#*=}" >&2; exit 2; }
    JAR[${line%%=*}]="${line#*=}"
done <<<"${JARS:-}"
VARIANTS=()
while IFS= read -r line; do
    [[ -n "$line" ]] || continue
    VARIANTS+=("${line%%=*}")
    FLAGS[${line%%=*}]="${line#*=} $LIMIT_FLAG"
done <<<"$FLAG_SETS"

HTTP_PORT=$(free_port)
HTTPS_PORT=$(free_port)
SQUID_PORT=$(free_port)
PACED_RUNNER_PORT=$(free_port)
make_upstream_certs
printf 'location = %s/v1/chat/completions { default_type application/json; return 200 %s; }\n' "$ENGINE" \
    "'{\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"bench-model\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"A short answer from the fake runner.\"},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":9,\"total_tokens\":21}}'" \
    >"$WORK/runner.conf"
# The streamed answer: SSE_EVENTS completion chunks, a usage chunk and [DONE], as bench/bridge-overhead.sh serves it
# (nginx serves files to GET only: the POST is answered 405, turned into an internal GET of the stream file).
mkdir -p "$WORK/sse"
python3 "$BENCH_DIR/sse_stream.py" "$WORK/sse/sse-stream.txt" "$SSE_EVENTS"
printf '%s\n' "location = $ENGINE/v1/completions { error_page 405 =200 /sse-stream.txt; return 405; }" \
    "location = /sse-stream.txt { internal; root $WORK/sse; default_type text/event-stream; }" >>"$WORK/runner.conf"
start_nginx "$HTTP_PORT" "$HTTPS_PORT" "listen 127.0.0.1:443 ssl; include $WORK/runner.conf;"
printf '%s' '{"model":"bench-model","messages":[{"role":"user","content":"Say something for the benchmark."}]}' \
    >"$WORK/chat.json"
printf '%s' '{"model":"bench-model","prompt":"Say something for the benchmark.","stream":true}' >"$WORK/stream.json"
start paced-runner python3 "$BENCH_DIR/fake_runner.py" "$PACED_RUNNER_PORT" "$PACED_EVENTS" "$INTERVAL_MS"
echo "bench-canary-not-a-secret" >"$WORK/credential"

start_squid "$SQUID_PORT"
SQUID_PID=$LAST_PID
wait_port "$SQUID_PORT" squid

# role_args ROLE NAME PORT ADMIN [RUNNER_PORT]: the sidecar's arguments, as in bench/proxy-overhead.sh and
# bench/bridge-overhead.sh; the bridge's runner is nginx unless RUNNER_PORT names another.
role_args() {
    local role="$1" name="$2" port="$3" admin="$4" runner_port="${5:-$HTTP_PORT}"
    if [[ "$role" == proxy ]]; then
        echo "proxy --listen 127.0.0.1:$port --admin 127.0.0.1:$admin --allow-cidr 127.0.0.0/8" \
            "--allow 127.0.0.1:$HTTP_PORT --allow 127.0.0.1:$HTTPS_PORT" \
            "--credential host=localhost,header=Authorization,format=Bearer_%s,file=$WORK/credential" \
            "--ca-dir $WORK/ca-$name-$port --trust-bundle $WORK/upstream-ca.crt"
    else
        echo "bridge --upstream http://127.0.0.1:$runner_port$ENGINE --default-model bench-model" \
            "--listen 127.0.0.1:$port --admin 127.0.0.1:$admin"
    fi
}

# stop_pid PID [SECONDS]: SIGTERM, then SIGKILL after SECONDS (default 5).
stop_pid() {
    kill "$1" 2>/dev/null || true
    for _ in $(seq 1 $((${2:-5} * 20))); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.05; done
    kill -9 "$1" 2>/dev/null || true
}

# The class list of one role (for a flag set naming $WORK/sidecar.jsa): a training run of the image's flags that
# starts the role, answers /metrics and stops, listing the classes it loaded.
train_class_list() {
    local role="$1" port admin args out
    port=$(free_port)
    admin=$(free_port)
    read -ra args <<<"$(role_args "$role" "train" "$port" "$admin")"
    args=("${args[@]//Bearer_%s/Bearer %s}")
    # shellcheck disable=SC2086
    out="$(python3 "$BENCH_DIR/start_probe.py" "$admin" "$WORK/$role-train.log" java $IMAGE_FLAGS $LIMIT_FLAG \
        -XX:DumpLoadedClassList="$WORK/$role.classlist" -jar "$SIDECAR_JAR" "${args[@]}")" || exit 1
    curl -sS -o /dev/null "http://127.0.0.1:$admin/metrics"
    stop_pid "${out% *}" 60
    [[ -s "$WORK/$role.classlist" ]] || { echo "no class list from the $role training run" >&2; exit 1; }
}

# One static archive of both roles' classes, the bridge's first (as hack/sidecar-image-files.sh does).
make_class_archive() {
    train_class_list bridge
    train_class_list proxy
    awk '!seen[$0]++' "$WORK/bridge.classlist" "$WORK/proxy.classlist" >"$WORK/classlist"
    java -Xshare:dump -XX:SharedClassListFile="$WORK/classlist" -XX:SharedArchiveFile="$WORK/sidecar.jsa" \
        -cp "$SIDECAR_JAR" >"$WORK/dump.log" 2>&1 || { tail -20 "$WORK/dump.log" >&2; exit 1; }
}

# launch ROLE VARIANT [RUNNER_PORT]: starts one sidecar, measures process start to /healthz; sets LAUNCH_PID,
# LAUNCH_MS, LAUNCH_PORT.
launch() {
    local role="$1" variant="$2" runner_port="${3:-}" port admin args out
    port=$(free_port)
    admin=$(free_port)
    read -ra args <<<"$(role_args "$role" "$role-$variant" "$port" "$admin" $runner_port)"
    args=("${args[@]//Bearer_%s/Bearer %s}")
    # shellcheck disable=SC2086
    out="$(python3 "$BENCH_DIR/start_probe.py" "$admin" "$WORK/$role-$variant-$port.log" \
        java ${FLAGS[$variant]//@ROLE@/$role} -jar "${JAR[$variant]:-$SIDECAR_JAR}" "${args[@]}")" || { tail -20 "$WORK/$role-$variant-$port.log" >&2; exit 1; }
    read -r LAUNCH_PID LAUNCH_MS <<<"$out"
    STARTED_PIDS+=("$LAUNCH_PID")
    LAUNCH_PORT=$port
}


if [[ "$FLAG_SETS" == *"$WORK/sidecar.jsa"* ]]; then make_class_archive; fi

# Start times: round by round, every flag set and role once; the first round's processes stay up for the load.
declare -A PID PORT STARTS
for round in $(seq 1 "$START_RUNS"); do
    for variant in "${VARIANTS[@]}"; do
        for role in proxy bridge; do
            launch "$role" "$variant"
            STARTS[$role/$variant]+="$LAUNCH_MS "
            if [[ "$round" == 1 ]]; then
                PID[$role/$variant]=$LAUNCH_PID
                PORT[$role/$variant]=$LAUNCH_PORT
            else
                stop_pid "$LAUNCH_PID"
            fi
        done
    done
    echo "start round $round/$START_RUNS done" >&2
done

for variant in "${VARIANTS[@]}"; do
    grep -q '"engine"' "$WORK/proxy-$variant-${PORT[proxy/$variant]}.log" || { echo "no tls-engine line from proxy-$variant" >&2; exit 1; }
    check "interception via $variant" "Bearer bench-canary-not-a-secret" -x "http://127.0.0.1:${PORT[proxy/$variant]}" \
        --cacert "$WORK/ca-proxy-$variant-${PORT[proxy/$variant]}/ca.crt" "https://localhost/echo-authorization"
    check "chat via bridge $variant" '"completion_tokens":9' -H 'Content-Type: application/json' \
        --data-binary "@$WORK/chat.json" "http://127.0.0.1:${PORT[bridge/$variant]}/v1/chat/completions"
    check "stream via bridge $variant" 'data: [DONE]' -H 'Content-Type: application/json' \
        --data-binary "@$WORK/stream.json" "http://127.0.0.1:${PORT[bridge/$variant]}/v1/completions"
done
PID[proxy/squid]=$SQUID_PID
PORT[proxy/squid]=$SQUID_PORT

CONFIGS=("http/direct" "http/squid" "connect-new-conn/direct" "connect-new-conn/squid" "intercept/direct"
    "intercept-new-conn/direct" "chat/direct" "stream/direct")
for variant in "${VARIANTS[@]}"; do
    CONFIGS+=("http/$variant" "connect-new-conn/$variant" "intercept/$variant" "intercept-new-conn/$variant"
        "chat/$variant" "stream/$variant")
done
# Sorted so that each case's runs follow each other in a round (and the table groups them).
mapfile -t CONFIGS < <(printf '%s\n' "${CONFIGS[@]}" | sort -s -t/ -k1,1)

declare -A PEAK
# sample_peak PID FILE: the highest VmRSS (MiB) seen every 0.2 s, written to FILE until killed.
sample_peak() {
    local pid="$1" file="$2" peak=0 now
    while true; do
        now="$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || echo 0)"
        if ((now > peak)); then peak=$now; echo "$peak" >"$file"; fi
        sleep 0.2
    done
}

run_config() {
    local mode="$1" label="$2" round="${3:-}"
    local case="${label%%/*}" variant="${label#*/}" pid=- key args=() url
    case "$case" in
        http) url="http://127.0.0.1:$HTTP_PORT/" ;;
        connect-new-conn) url="https://127.0.0.1:$HTTPS_PORT/" ;;
        intercept*) url="https://localhost/" ;;
        chat) url="http://127.0.0.1:$HTTP_PORT$ENGINE/v1/chat/completions" ;;
        stream) url="http://127.0.0.1:$HTTP_PORT$ENGINE/v1/completions" ;;
    esac
    if [[ "$case" == chat || "$case" == stream ]]; then
        key="bridge/$variant"
        args=(-m POST -T application/json -D "$WORK/$case.json")
        [[ "$variant" == direct ]] || url="http://127.0.0.1:${PORT[$key]}${url#*$ENGINE}"
    else
        key="proxy/$variant"
        [[ "$variant" == direct ]] || args=(-x "http://127.0.0.1:${PORT[$key]}")
    fi
    [[ "$variant" == direct ]] || pid="${PID[$key]}"
    [[ "$case" != *-new-conn ]] || args+=(-disable-keepalive)
    if [[ "$mode" == warmup ]]; then hey_warmup "${args[@]}" "$url"; return; fi
    local sampler peak_file="$WORK/peak"
    rm -f "$peak_file"
    if [[ "$pid" != - ]]; then sample_peak "$pid" "$peak_file" & sampler=$!; fi
    hey_run "$label" "$round" "$pid" "${args[@]}" "$url"
    if [[ "$pid" != - ]]; then
        kill "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null || true
        local kib; kib="$(cat "$peak_file" 2>/dev/null || echo 0)"
        if ((kib > ${PEAK[$key]:-0})); then PEAK[$key]=$kib; fi
    fi
}

PROCESSES=("proxy/squid")
for variant in "${VARIANTS[@]}"; do PROCESSES+=("proxy/$variant" "bridge/$variant"); done
sleep 1
warm_up_and_measure PROCESSES PID "${CONFIGS[@]}"

# The paced stream: a bridge per flag set in front of the paced runner, the runner itself first (the baseline).
PACED_TARGETS=("direct=http://127.0.0.1:$PACED_RUNNER_PORT$ENGINE/v1/chat/completions")
for variant in "${VARIANTS[@]}"; do
    launch bridge "$variant" "$PACED_RUNNER_PORT"
    PACED_TARGETS+=("$variant=http://127.0.0.1:$LAUNCH_PORT/v1/chat/completions")
done
echo "paced stream: $PACED_REQUESTS requests per target, interleaved" >&2
PACED="$(python3 "$BENCH_DIR/stream_probe.py" "$PACED_REQUESTS" "${PACED_TARGETS[@]}")"

[ -z "$OUT" ] || mkdir -p "$(dirname "$OUT")"
{
    report_header "Sidecar footprint"
    for variant in "${VARIANTS[@]}"; do
        echo "- \"$variant\": \`${FLAGS[$variant]}\`${JAR[$variant]:+, jar ${JAR[$variant]}}; TLS engine: $(grep -o '"engine":"[a-z]*"' \
            "$WORK/proxy-$variant-${PORT[proxy/$variant]}.log" | head -1 | cut -d'"' -f4)"
    done
    echo
    echo "- stream: POST /v1/completions with \"stream\":true, nginx answers $SSE_EVENTS SSE events at once: the CPU" \
        "column is per 1000 streams"
    echo
    python3 "$BENCH_DIR/summarize.py" "$RESULTS"
    echo
    echo "Paced stream through the bridge ($PACED_EVENTS events, one every $INTERVAL_MS ms, from bench/fake_runner.py;" \
        "a new connection per request; $PACED_REQUESTS requests per target, alternating):"
    echo
    paced_table "$PACED"
    echo
    echo "| process | flags | start to /healthz ms, median (min–max) of $START_RUNS | RSS MiB at start | after warm-up | peak under load | after the load |"
    echo "|---|---|---|---|---|---|---|"
    for key in "${PROCESSES[@]}"; do
        starts="–"
        if [[ -n "${STARTS[$key]:-}" ]]; then
            starts="$(python3 -c 'import statistics, sys; v = sorted(map(int, sys.argv[1:])); print(f"{statistics.median(v):.0f} ({v[0]}–{v[-1]})")' ${STARTS[$key]})"
        fi
        peak="$(awk -v k="${PEAK[$key]:-0}" 'BEGIN { printf "%.1f", k / 1024 }')"
        echo "| ${key%%/*} | ${key#*/} | $starts | ${RSS_START[$key]} | ${RSS_WARM[$key]} | $peak | ${RSS_END[$key]} |"
    done
} | tee ${OUT:+"$OUT"}
