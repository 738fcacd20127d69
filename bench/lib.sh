# Shared helpers for the benchmark scripts (sourced, not run). Loopback only; every process started here is
# recorded and killed on exit, and every wait is bounded.

set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$BENCH_DIR/.." && pwd)"
SIDECAR_JAR="${SIDECAR_JAR:-$REPO_ROOT/bridge-sidecar/target/agentsandbox-sidecar.jar}"

# Seconds per measured run, runs per configuration (interleaved: round 1 runs every configuration once, then round 2...)
DURATION="${DURATION:-5}"
ROUNDS="${ROUNDS:-3}"
CONCURRENCY="${CONCURRENCY:-16}"
WARMUP="${WARMUP:-3}"

# The sidecar image's JVM flags: the options of the Jib entrypoint in bridge-sidecar/pom.xml (the one place they are
# kept), read from it.
# The image's paths are left out: its class-data archive fits only the image's own JVM and jar (a JVM told to use an
# archive it cannot find runs without any, not even the JDK's; bench/sidecar-footprint.sh makes one the same way
# instead), and without the image's copy of BoringSSL's library Netty extracts it from the jar as before.
image_java_opts() {
    sed -n '/<entrypoint>/,/<\/entrypoint>/p' "$REPO_ROOT/bridge-sidecar/pom.xml" |
        sed -n 's|.*<arg>\(-[XD][^<]*\)</arg>.*|\1|p' | grep -v -e '^-XX:SharedArchiveFile=' -e '^-Djava.library.path=' | tr '\n' ' ' | sed 's/ $//'
}
# The image's flags with MaxRAM standing in for a 256 MiB container limit.
SIDECAR_JAVA_OPTS="${SIDECAR_JAVA_OPTS:-$(image_java_opts) -XX:MaxRAM=256m}"

# with_c2 FLAGS...: the flags without the C1-only pair (C2's tiered compilation needs at least two compiler threads).
with_c2() {
    local flags="$*"
    flags="${flags//-XX:TieredStopAtLevel=1/}"
    echo "${flags//-XX:CICompilerCount=1/}"
}

WORK="$(mktemp -d /tmp/agentsandbox-bench.XXXXXX)"
chmod 755 "$WORK"
STARTED_PIDS=()

cleanup() {
    local pid
    for pid in "${STARTED_PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${STARTED_PIDS[@]}"; do
        for _ in $(seq 1 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -9 "$pid" 2>/dev/null || true
    done
    if [[ "${KEEP_WORK:-0}" != 1 ]]; then rm -rf "$WORK"; fi
}
trap cleanup EXIT
# A signal ends the script (and so runs the EXIT trap); a trap on the signal alone would let the script go on.
trap 'exit 130' INT
trap 'exit 143' TERM

need() {
    local tool
    for tool in "$@"; do
        command -v "$tool" >/dev/null || { echo "missing tool: $tool (see BENCHMARKS.md, 'Setup')" >&2; exit 2; }
    done
}

need_jar() {
    [[ -f "$SIDECAR_JAR" ]] || {
        echo "missing $SIDECAR_JAR: build it with ./mvnw -B -pl bridge-sidecar -am package -DskipTests" >&2
        exit 2
    }
}

# A free TCP port on 127.0.0.1 (asked from the kernel, so runs beside other engineers' servers do not collide).
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# start NAME COMMAND...: runs COMMAND in the background with its output in $WORK/NAME.log; sets LAST_PID.
start() {
    local name="$1"
    shift
    "$@" >"$WORK/$name.log" 2>&1 &
    LAST_PID=$!
    STARTED_PIDS+=("$LAST_PID")
}

wait_port() {
    local port="$1" name="$2"
    for _ in $(seq 1 300); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
        sleep 0.1
    done
    echo "$name did not listen on 127.0.0.1:$port within 30 s; its log:" >&2
    tail -20 "$WORK/$name.log" >&2 || true
    exit 1
}

rss_mib() {
    awk '/^VmRSS:/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"
}

# One line describing the machine and how busy it is, for the results.
machine_line() {
    local cpu mem load
    cpu="$(nproc) cores ($(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo))"
    mem="$(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)"
    load="$(cut -d' ' -f1-3 /proc/loadavg)"
    echo "$cpu, $mem, load average $load"
}

# hey_run LABEL ROUND PID HEY-ARGS...: one timed run; appends to $RESULTS the line
# "label round rps p50_ms p99_ms failed requests cpu_ms_per_1000" where failed counts non-200 answers and client
# errors, and cpu_ms_per_1000 is the CPU time PID (the process under test, "-" for none) spent per 1000 requests.
hey_run() {
    local label="$1" round="$2" pid="$3"
    shift 3
    local out="$WORK/hey-${label//\//-}-$round.txt" cpu_before=0 cpu_after=0
    if [[ "$pid" != - ]]; then cpu_before="$(cpu_ticks "$pid")"; fi
    hey -z "${DURATION}s" -c "$CONCURRENCY" "$@" >"$out" 2>&1 || true
    if [[ "$pid" != - ]]; then cpu_after="$(cpu_ticks "$pid")"; fi
    awk -v label="$label" -v round="$round" -v ticks="$((cpu_after - cpu_before))" -v hz="$(getconf CLK_TCK)" '
        /Requests\/sec:/ { rps = $2 }
        $1 == "50%" { p50 = $3 * 1000 }
        $1 == "99%" { p99 = $3 * 1000 }
        /^Status code distribution:/ { section = "status"; next }
        /^Error distribution:/ { section = "errors"; next }
        section == "status" && /\[[0-9]+\]/ { n = $2 + 0; requests += n; if ($1 != "[200]") failed += n }
        section == "errors" && /\[[0-9]+\]/ { failed += substr($1, 2) + 0 }
        END {
            cpu = (requests > 0 && ticks > 0) ? ticks * 1000 / hz * 1000 / requests : 0
            printf "%s\t%s\t%.0f\t%.2f\t%.2f\t%d\t%d\t%.1f\n", label, round, rps, p50, p99, failed, requests, cpu
        }
    ' "$out" >>"$RESULTS"
}

# utime + stime of a process and its threads, in clock ticks.
cpu_ticks() {
    awk '{ print $14 + $15 }' "/proc/$1/stat"
}

# A short unmeasured run so that JIT compilation, connection set-up and TLS session caches are behind us.
hey_warmup() {
    hey -z "${WARMUP}s" -c "$CONCURRENCY" "$@" >/dev/null 2>&1 || true
}

# check WHAT EXPECTED CURL-ARGS...: one request with curl (certificates verified); stops the benchmark unless the
# answer contains EXPECTED. Correctness before speed: a fast wrong path measures nothing.
check() {
    local what="$1" expected="$2"
    shift 2
    local got
    got="$(curl -sS --max-time 10 "$@")" || { echo "check failed: $what" >&2; exit 1; }
    [[ "$got" == *"$expected"* ]] || { echo "check failed: $what answered: ${got:0:300}" >&2; exit 1; }
}

# The script defines run_config MODE CONFIG-WORDS... [ROUND] (MODE: warmup or measure; CONFIG is one entry of its
# CONFIGS list, split into words). warm_up runs every configuration once unmeasured; measure_rounds then runs ROUNDS
# rounds, each going through every configuration in turn, so all of them see the same drift of the machine.
warm_up() {
    START_TIME="$(date -u +%FT%TZ)"
    LOAD_BEFORE="$(machine_line)"
    local config
    for config in "$@"; do run_config warmup $config; done
}

measure_rounds() {
    : >"$RESULTS"
    LOADS=()
    local round config
    for round in $(seq 1 "$ROUNDS"); do
        for config in "$@"; do
            run_config measure $config "$round"
            echo "round $round/$ROUNDS: $(tail -1 "$RESULTS")" >&2
        done
        LOADS+=("$(cut -d' ' -f1 /proc/loadavg)")
    done
}

# warm_up_and_measure KEYS PIDS CONFIG...: warm_up, then measure_rounds, with the VmRSS (MiB) of every process
# before, after the warm-up and after the load in RSS_START, RSS_WARM and RSS_END. KEYS names an array of keys, PIDS
# an associative array from those keys to the processes' pids.
warm_up_and_measure() {
    local -n keys_="$1" pids_="$2"
    shift 2
    declare -gA RSS_START RSS_WARM RSS_END
    local key
    for key in "${keys_[@]}"; do RSS_START[$key]="$(rss_mib "${pids_[$key]}")"; done
    warm_up "$@"
    for key in "${keys_[@]}"; do RSS_WARM[$key]="$(rss_mib "${pids_[$key]}")"; done
    measure_rounds "$@"
    for key in "${keys_[@]}"; do RSS_END[$key]="$(rss_mib "${pids_[$key]}")"; done
}

# report_header TITLE: the first lines of a results section (when, which commit, how busy the machine was, how).
report_header() {
    echo "### $1 — $START_TIME, commit $(git -C "$REPO_ROOT" rev-parse --short HEAD)"
    echo
    echo "- machine before the run: $LOAD_BEFORE; 1-minute load after each round: ${LOADS[*]}"
    echo "- hey, $CONCURRENCY connections, ${DURATION} s per run, $ROUNDS interleaved rounds," \
        "${WARMUP} s warm-up per configuration"
}

# paced_table PACED: the table of bench/stream_probe.py's lines (label, requests, first event, whole stream, and both
# against the first target).
paced_table() {
    local label count first total first_delta total_delta
    echo "| through | requests | first event ms, median (min–max) | whole stream ms, median (min–max) | first event, median of (this − direct) ms | whole stream, median of (this − direct) ms |"
    echo "|---|---|---|---|---|---|"
    while IFS=$'\t' read -r label count first total first_delta total_delta; do
        echo "| $label | $count | ${first/-/–} | ${total/-/–} | $first_delta | $total_delta |"
    done <<<"$1"
}
