#!/usr/bin/env bash
# Model bridge overhead: OpenAI-compatible requests against a fake runner on loopback, direct and through the
# bridge. Non-streaming chat completions and an unpaced SSE stream (nginx answers at once: the bridge's own cost
# dominates), then a paced SSE stream (a Python runner sending one event every INTERVAL_MS: time to the first event
# and total time). Configurations are interleaved round by round; see BENCHMARKS.md.
#
#   bench/bridge-overhead.sh           # DURATION=5 ROUNDS=3 CONCURRENCY=16 SSE_EVENTS=200 PACED_WARMUP=2000 by default
source "$(dirname "$0")/lib.sh"
source "$BENCH_DIR/upstream.sh"
need hey nginx python3 java curl
need_jar

# The tables go to stdout, and to OUT as well when it is set. Recorded results live in BENCHMARKS.md only.
OUT="${OUT:-}"
RESULTS="$WORK/runs.tsv"
SSE_EVENTS="${SSE_EVENTS:-200}"
PACED_EVENTS="${PACED_EVENTS:-50}"
INTERVAL_MS="${INTERVAL_MS:-10}"
PACED_REQUESTS="${PACED_REQUESTS:-20}"
PACED_WARMUP="${PACED_WARMUP:-2000}"
ENGINE=/engines/llama.cpp

RUNNER_PORT=$(free_port)
PACED_RUNNER_PORT=$(free_port)
BRIDGE_PORT=$(free_port)
BRIDGE_ADMIN_PORT=$(free_port)
BRIDGE_C2_PORT=$(free_port)
BRIDGE_C2_ADMIN_PORT=$(free_port)
PACED_BRIDGE_PORT=$(free_port)
PACED_BRIDGE_ADMIN_PORT=$(free_port)

# nginx as the fast runner: a fixed chat completion with usage, and a fixed stream of SSE_EVENTS completion chunks
# ending with a usage chunk and [DONE] (sent with a Content-Length; a real runner sends chunks as it goes).
mkdir -p "$WORK/nginx"
python3 - "$WORK/runner-locations.conf" "$WORK/nginx/sse-stream.txt" "$ENGINE" "$SSE_EVENTS" <<'EOF'
import functools, json, sys
json.dumps = functools.partial(json.dumps, separators=(",", ":"))
path, stream_path, engine, events = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
completion = json.dumps({"id": "chatcmpl-bench", "object": "chat.completion", "created": 1, "model": "bench-model",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "A short answer from the fake runner."},
                 "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 12, "completion_tokens": 9, "total_tokens": 21}})
stream = "".join("data: " + json.dumps({"id": "cmpl-bench", "object": "text_completion", "created": 1,
    "model": "bench-model", "choices": [{"index": 0, "text": f"token{i} ", "finish_reason": None}]}) + "\n\n"
    for i in range(events))
stream += "data: " + json.dumps({"id": "cmpl-bench", "object": "text_completion", "created": 1, "model": "bench-model",
    "choices": [], "usage": {"prompt_tokens": 12, "completion_tokens": events, "total_tokens": 12 + events}}) + "\n\n"
stream += "data: [DONE]\n\n"
assert "'" not in completion and "$" not in completion
with open(stream_path, "w") as out:
    out.write(stream)
with open(path, "w") as out:
    out.write(f"location = {engine}/v1/chat/completions {{ default_type application/json; return 200 '{completion}'; }}\n")
    # nginx serves files to GET only: the POST is answered 405, turned into an internal GET of the stream file.
    out.write(f"location = {engine}/v1/completions {{ error_page 405 =200 /sse-stream.txt; return 405; }}\n")
    out.write(f"location = /sse-stream.txt {{ internal; root {stream_path.rsplit('/', 1)[0]}; default_type text/event-stream; }}\n")
EOF
# nginx as a relay in front of the paced runner too: what any proxy's hop costs the first event (a new connection
# to the runner per request, no buffering), beside what the bridge's costs.
echo "location /paced-relay/ { proxy_pass http://127.0.0.1:$PACED_RUNNER_PORT$ENGINE/; proxy_http_version 1.1;" \
    "proxy_buffering off; }" >>"$WORK/runner-locations.conf"
start_nginx "$RUNNER_PORT" "" "include $WORK/runner-locations.conf;"
start paced-runner python3 "$BENCH_DIR/fake_runner.py" "$PACED_RUNNER_PORT" "$PACED_EVENTS" "$INTERVAL_MS"

start_bridge() {
    local name="$1" port="$2" admin="$3" runner_port="$4"
    shift 4
    start "$name" java "$@" -jar "$SIDECAR_JAR" bridge --upstream "http://127.0.0.1:$runner_port$ENGINE" \
        --default-model bench-model --listen "127.0.0.1:$port" --admin "127.0.0.1:$admin"
}
start_bridge bridge "$BRIDGE_PORT" "$BRIDGE_ADMIN_PORT" "$RUNNER_PORT" $SIDECAR_JAVA_OPTS
BRIDGE_PID=$LAST_PID
# The same bridge with the JVM's default tiered compilation instead of the image's C1-only flag.
start_bridge bridge-c2 "$BRIDGE_C2_PORT" "$BRIDGE_C2_ADMIN_PORT" "$RUNNER_PORT" \
    $(with_c2 "$SIDECAR_JAVA_OPTS")
BRIDGE_C2_PID=$LAST_PID
start_bridge paced-bridge "$PACED_BRIDGE_PORT" "$PACED_BRIDGE_ADMIN_PORT" "$PACED_RUNNER_PORT" $SIDECAR_JAVA_OPTS
for port_name in "$BRIDGE_PORT bridge" "$BRIDGE_C2_PORT bridge-c2" "$PACED_BRIDGE_PORT paced-bridge" \
    "$PACED_RUNNER_PORT paced-runner"; do
    wait_port $port_name
done

printf '%s' '{"model":"bench-model","messages":[{"role":"user","content":"Say something for the benchmark."}]}' \
    >"$WORK/chat.json"
printf '%s' '{"model":"bench-model","prompt":"Say something for the benchmark.","stream":true}' >"$WORK/stream.json"

# The bridge forwards, and counts the usage it saw on the way.
for port in "$BRIDGE_PORT" "$BRIDGE_C2_PORT"; do
    check "chat via bridge :$port" '"completion_tokens":9' -H 'Content-Type: application/json' \
        --data-binary "@$WORK/chat.json" "http://127.0.0.1:$port/v1/chat/completions"
    check "stream via bridge :$port" 'data: [DONE]' -H 'Content-Type: application/json' \
        --data-binary "@$WORK/stream.json" "http://127.0.0.1:$port/v1/completions"
    check "usage counted by bridge :$port" "\"completionTokens\":$((9 + SSE_EVENTS))" \
        "http://127.0.0.1:$((port == BRIDGE_PORT ? BRIDGE_ADMIN_PORT : BRIDGE_C2_ADMIN_PORT))/status"
done

declare -A BRIDGE=([bridge]="$BRIDGE_PORT $BRIDGE_PID" [bridge-c2]="$BRIDGE_C2_PORT $BRIDGE_C2_PID")
CONFIGS=(
    "chat/direct chat"
    "chat/bridge chat"
    "chat/bridge-c2 chat"
    "stream/direct stream"
    "stream/bridge stream"
    "stream/bridge-c2 stream"
)

run_config() {
    local mode="$1" label="$2" kind="$3" round="${4:-}"
    local variant="${label#*/}" pid=- url path body
    if [[ "$kind" == chat ]]; then path=/v1/chat/completions body="$WORK/chat.json"; else
        path=/v1/completions body="$WORK/stream.json"; fi
    if [[ "$variant" == direct ]]; then
        url="http://127.0.0.1:$RUNNER_PORT$ENGINE$path"
    else
        read -r port pid <<<"${BRIDGE[$variant]}"
        url="http://127.0.0.1:$port$path"
    fi
    local args=(-m POST -T application/json -D "$body" "$url")
    if [[ "$mode" == warmup ]]; then hey_warmup "${args[@]}"; else hey_run "$label" "$round" "$pid" "${args[@]}"; fi
}

RSS_START="$(rss_mib "$BRIDGE_PID")"
warm_up "${CONFIGS[@]}"
RSS_WARM="$(rss_mib "$BRIDGE_PID")"
measure_rounds "${CONFIGS[@]}"
RSS_END="$(rss_mib "$BRIDGE_PID")"

# paced_probe BRIDGE_LABEL: the paced stream direct, through nginx and through the paced bridge, interleaved.
paced_probe() {
    python3 "$BENCH_DIR/stream_probe.py" "$PACED_REQUESTS" \
        "direct=http://127.0.0.1:$PACED_RUNNER_PORT$ENGINE/v1/chat/completions" \
        "nginx=http://127.0.0.1:$RUNNER_PORT/paced-relay/v1/chat/completions" \
        "$1=http://127.0.0.1:$PACED_BRIDGE_PORT/v1/chat/completions"
}
echo "paced stream: $PACED_REQUESTS requests per target, interleaved" >&2
# First as a new sandbox's bridge meets it (three requests after its start), then after PACED_WARMUP requests: the
# code on a request's path runs interpreted until the JIT has compiled it, which takes some hundreds of requests.
PACED="$(paced_probe bridge-new)"
hey -n "$PACED_WARMUP" -c 50 -m POST -T application/json -D "$WORK/chat.json" \
    "http://127.0.0.1:$PACED_BRIDGE_PORT/v1/chat/completions" >/dev/null 2>&1 || true
PACED+=$'\n'"$(paced_probe bridge-warm)"
LOADS+=("$(cut -d' ' -f1 /proc/loadavg) (after the paced streams)")

[ -z "$OUT" ] || mkdir -p "$(dirname "$OUT")"
{
    report_header "Model bridge"
    echo "- chat: non-streaming POST /v1/chat/completions (nginx answers ~350 bytes of JSON with usage);" \
        "stream: POST /v1/completions with \"stream\":true, nginx answers $SSE_EVENTS SSE events at once"
    echo "- the bridge's JVM (\"bridge\"): \`$SIDECAR_JAVA_OPTS\`; \"bridge-c2\": the same without \`-XX:TieredStopAtLevel=1\`"
    echo
    python3 "$BENCH_DIR/summarize.py" "$RESULTS"
    echo
    echo "Paced stream ($PACED_EVENTS events, one every $INTERVAL_MS ms, from a Python runner; a new connection per" \
        "request; $PACED_REQUESTS requests per target, alternating; nginx relays with a new connection to the runner" \
        "per request; bridge-new: the bridge three requests after its start, bridge-warm: after $PACED_WARMUP more;" \
        "each delta is against the direct line above it):"
    echo
    paced_table "$PACED"
    echo
    echo "| bridge RSS MiB | at start | after warm-up | after the load |"
    echo "|---|---|---|---|"
    echo "| bridge | $RSS_START | $RSS_WARM | $RSS_END |"
} | tee ${OUT:+"$OUT"}
