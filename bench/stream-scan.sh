#!/usr/bin/env bash
# The CPU of the bridge's usage scanning of a streamed answer, alone (issue 18, goal 4: per stream of SSE_EVENTS
# events): bench/java/StreamScanCpu.java feeds the stream bench/sidecar-footprint.sh serves (SSE_EVENTS completion
# chunks, a usage chunk, [DONE]) through the scanner in CHUNK-byte pieces, STREAMS times per round, on the image's
# JVM flags; each jar given (default: the built one) runs in turn, RUNS times, so two builds are compared in one run.
#
# CASE=chat times the JSON work of a plain chat request instead (bench/java/ChatJsonCpu.java: the checks of the
# request's body and the usage read of the whole answer, the bodies bench/sidecar-footprint.sh uses; REQUESTS per
# round; "rewrite usage" µs per request).
#
#   bench/stream-scan.sh [JAR...]      # SSE_EVENTS=200 CHUNK=8192 STREAMS=3000 ROUNDS=6 RUNS=2 by default
#   CASE=chat bench/stream-scan.sh [JAR...]          # REQUESTS=200000 by default
source "$(dirname "$0")/lib.sh"
need java javac python3
SSE_EVENTS="${SSE_EVENTS:-200}"
CHUNK="${CHUNK:-8192}"
STREAMS="${STREAMS:-3000}"
ROUNDS="${ROUNDS:-6}"
RUNS="${RUNS:-2}"
JARS_UNDER_TEST=("$@")
if ((${#JARS_UNDER_TEST[@]} == 0)); then need_jar; JARS_UNDER_TEST=("$SIDECAR_JAR"); fi

python3 "$BENCH_DIR/sse_stream.py" "$WORK/stream.txt" "$SSE_EVENTS"

CASE="${CASE:-stream}"
REQUESTS="${REQUESTS:-200000}"
if [[ "$CASE" == chat ]]; then
    PROGRAM=ChatJsonCpu
    ARGS=("$REQUESTS" "$ROUNDS")
    echo "- $(machine_line); the chat request's checks and its answer's usage, $REQUESTS requests per round; flags: \`$SIDECAR_JAVA_OPTS\`"
else
    PROGRAM=StreamScanCpu
    ARGS=("$WORK/stream.txt" "$CHUNK" "$STREAMS" "$ROUNDS")
    echo "- $(machine_line); $SSE_EVENTS events ($(wc -c <"$WORK/stream.txt") bytes) in $CHUNK-byte chunks, $STREAMS streams per round; flags: \`$SIDECAR_JAVA_OPTS\`"
fi
for run in $(seq 1 "$RUNS"); do
    for jar in "${JARS_UNDER_TEST[@]}"; do
        classes="$WORK/classes-$(echo "$jar" | md5sum | cut -c1-8)"
        [[ -d "$classes" ]] || javac -cp "$jar" -d "$classes" "$BENCH_DIR/java/$PROGRAM.java"
        # shellcheck disable=SC2086
        echo "- run $run, $jar: $(java $SIDECAR_JAVA_OPTS -cp "$jar:$classes" dev.agentsandbox.sidecar.bridge.$PROGRAM \
            "${ARGS[@]}" | tail -3 | sed 's/ us CPU per .*//; s/round [0-9]*: //' | paste -sd',') µs per ${CASE/chat/request} (the last 3 rounds)"
    done
done
