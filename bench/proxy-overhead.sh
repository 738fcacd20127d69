#!/usr/bin/env bash
# Egress proxy overhead: the same small GET against a loopback nginx, direct and through our proxy, squid and
# tinyproxy; plain HTTP (absolute form, keep-alive), HTTPS through a CONNECT tunnel, and HTTPS intercepted by our
# proxy with a credential injected. Configurations are interleaved round by round; see BENCHMARKS.md.
#
#   bench/proxy-overhead.sh            # DURATION=5 ROUNDS=3 CONCURRENCY=16 by default
#   OUT=/tmp/proxy.md bench/proxy-overhead.sh
source "$(dirname "$0")/lib.sh"
source "$BENCH_DIR/upstream.sh"
need hey nginx squid tinyproxy openssl python3 java curl
need_jar

# The tables go to stdout, and to OUT as well when it is set. Recorded results live in BENCHMARKS.md only.
OUT="${OUT:-}"
RESULTS="$WORK/runs.tsv"
# The intercepted case needs the upstream on 443: hey sends the URL's host:port as the TLS server name, which a
# JDK TLS server rejects (a server name may not contain ':'), so the URL must carry no port.
if (exec 3<>/dev/tcp/127.0.0.1/443) 2>/dev/null; then
    echo "127.0.0.1:443 is taken: the intercepted cases need it for the benchmark's nginx (see BENCHMARKS.md)" >&2
    exit 2
fi

HTTP_PORT=$(free_port)
HTTPS_PORT=$(free_port)
OURS_PORT=$(free_port)
OURS_ADMIN_PORT=$(free_port)
SQUID_PORT=$(free_port)
TINYPROXY_PORT=$(free_port)

make_upstream_certs
start_nginx "$HTTP_PORT" "$HTTPS_PORT" "listen 127.0.0.1:443 ssl;"

# Our proxy. Its SSRF guard refuses loopback and IP literals: --allow-cidr 127.0.0.0/8 exempts loopback, and the
# allow rules name the exact 127.0.0.1:PORT targets (an IP literal needs a rule naming it, and a port other than
# 80/443 needs a rule naming the port). The intercepted host is "localhost" from the stock /etc/hosts (no change to
# it): the credential rule makes CONNECT localhost:443 an interception, and --trust-bundle trusts nginx's cert.
echo "bench-canary-not-a-secret" >"$WORK/credential"
start_our_proxy() {
    local name="$1" port="$2" admin_port="$3"
    shift 3
    start "$name" java "$@" -jar "$SIDECAR_JAR" proxy \
        --listen "127.0.0.1:$port" --admin "127.0.0.1:$admin_port" \
        --allow-cidr 127.0.0.0/8 --allow "127.0.0.1:$HTTP_PORT" --allow "127.0.0.1:$HTTPS_PORT" \
        --credential "host=localhost,header=Authorization,format=Bearer %s,file=$WORK/credential" \
        --ca-dir "$WORK/ca-$name" --trust-bundle "$WORK/upstream-ca.crt"
}
start_our_proxy ours "$OURS_PORT" "$OURS_ADMIN_PORT" $SIDECAR_JAVA_OPTS
OURS_PID=$LAST_PID
# The same proxy with the JVM's default tiered compilation (C1 then C2) instead of the image's C1-only flag, to
# show what that flag costs on TLS-heavy paths.
OURS_C2_PORT=$(free_port)
OURS_C2_ADMIN_PORT=$(free_port)
start_our_proxy ours-c2 "$OURS_C2_PORT" "$OURS_C2_ADMIN_PORT" $(with_c2 "$SIDECAR_JAVA_OPTS")
OURS_C2_PID=$LAST_PID

start_squid "$SQUID_PORT"
SQUID_PID=$LAST_PID

# tinyproxy: loopback only, one thread per connection (its design), no Via header.
mkdir -p "$WORK/tinyproxy"
chown nobody:nogroup "$WORK/tinyproxy" 2>/dev/null || chmod 777 "$WORK/tinyproxy"
cat >"$WORK/tinyproxy/tinyproxy.conf" <<EOF
User nobody
Group nogroup
Port $TINYPROXY_PORT
Listen 127.0.0.1
Allow 127.0.0.1
Timeout 600
MaxClients 256
LogLevel Critical
LogFile "$WORK/tinyproxy/tinyproxy.log"
PidFile "$WORK/tinyproxy/tinyproxy.pid"
DisableViaHeader Yes
EOF
start tinyproxy tinyproxy -d -c "$WORK/tinyproxy/tinyproxy.conf"
TINYPROXY_PID=$LAST_PID

wait_port "$OURS_PORT" ours
wait_port "$OURS_C2_PORT" ours-c2
wait_port "$SQUID_PORT" squid
wait_port "$TINYPROXY_PORT" tinyproxy
for _ in $(seq 1 100); do [[ -f "$WORK/ca-ours/ca.crt" && -f "$WORK/ca-ours-c2/ca.crt" ]] && break; sleep 0.1; done

# Each path answers, and the intercepted one carries the injected credential.
for proxy_port in "$OURS_PORT" "$SQUID_PORT" "$TINYPROXY_PORT"; do
    check "plain HTTP via :$proxy_port" "hello" -x "http://127.0.0.1:$proxy_port" "http://127.0.0.1:$HTTP_PORT/"
    check "CONNECT via :$proxy_port" "hello" -x "http://127.0.0.1:$proxy_port" --cacert "$WORK/upstream-ca.crt" \
        "https://127.0.0.1:$HTTPS_PORT/"
done
check "interception with credential" "Bearer bench-canary-not-a-secret" -x "http://127.0.0.1:$OURS_PORT" \
    --cacert "$WORK/ca-ours/ca.crt" "https://localhost/echo-authorization"
check "interception with credential (C2)" "Bearer bench-canary-not-a-secret" -x "http://127.0.0.1:$OURS_C2_PORT" \
    --cacert "$WORK/ca-ours-c2/ca.crt" "https://localhost/echo-authorization"

PROXIES=(ours ours-c2 squid tinyproxy)
declare -A PROXY_PID=([ours]=$OURS_PID [ours-c2]=$OURS_C2_PID [squid]=$SQUID_PID [tinyproxy]=$TINYPROXY_PID)
declare -A PROXY_PORT=([ours]=$OURS_PORT [ours-c2]=$OURS_C2_PORT [squid]=$SQUID_PORT [tinyproxy]=$TINYPROXY_PORT)
# label, then the URL; the variant part of the label picks the proxy (none for "direct").
CONFIGS=(
    "http/direct http://127.0.0.1:$HTTP_PORT/"
    "http/ours http://127.0.0.1:$HTTP_PORT/"
    "http/ours-c2 http://127.0.0.1:$HTTP_PORT/"
    "http/squid http://127.0.0.1:$HTTP_PORT/"
    "http/tinyproxy http://127.0.0.1:$HTTP_PORT/"
    "connect/direct https://127.0.0.1:$HTTPS_PORT/"
    "connect/ours https://127.0.0.1:$HTTPS_PORT/"
    "connect/squid https://127.0.0.1:$HTTPS_PORT/"
    "connect/tinyproxy https://127.0.0.1:$HTTPS_PORT/"
    "intercept/direct https://localhost/"
    "intercept/ours https://localhost/"
    "intercept/ours-c2 https://localhost/"
)
if [[ "${NEW_CONNECTIONS:-1}" == 1 ]]; then
    # A new connection (and CONNECT, and TLS handshakes) per request, as an agent running curl in a loop does.
    CONFIGS+=(
        "connect-new-conn/direct https://127.0.0.1:$HTTPS_PORT/"
        "connect-new-conn/ours https://127.0.0.1:$HTTPS_PORT/"
        "connect-new-conn/squid https://127.0.0.1:$HTTPS_PORT/"
        "connect-new-conn/tinyproxy https://127.0.0.1:$HTTPS_PORT/"
        "intercept-new-conn/direct https://localhost/"
        "intercept-new-conn/ours https://localhost/"
        "intercept-new-conn/ours-c2 https://localhost/"
    )
fi

run_config() {
    local mode="$1" label="$2" url="$3" round="${4:-}"
    local variant="${label#*/}" pid=- args=()
    if [[ "$variant" != direct ]]; then
        pid="${PROXY_PID[$variant]}"
        args+=(-x "http://127.0.0.1:${PROXY_PORT[$variant]}")
    fi
    if [[ "$label" == *-new-conn/* ]]; then args+=(-disable-keepalive); fi
    if [[ "$mode" == warmup ]]; then
        hey_warmup "${args[@]}" "$url"
    else
        hey_run "$label" "$round" "$pid" "${args[@]}" "$url"
    fi
}

warm_up_and_measure PROXIES PROXY_PID "${CONFIGS[@]}"

[ -z "$OUT" ] || mkdir -p "$(dirname "$OUT")"
{
    report_header "Egress proxy"
    echo "- our proxy's JVM (\"ours\"): \`$SIDECAR_JAVA_OPTS\`; \"ours-c2\": the same without \`-XX:TieredStopAtLevel=1\`"
    echo
    python3 "$BENCH_DIR/summarize.py" "$RESULTS"
    echo
    echo "| proxy | RSS MiB at start | after warm-up | after the load |"
    echo "|---|---|---|---|"
    for proxy in "${PROXIES[@]}"; do
        echo "| $proxy | ${RSS_START[$proxy]} | ${RSS_WARM[$proxy]} | ${RSS_END[$proxy]} |"
    done
} | tee ${OUT:+"$OUT"}
