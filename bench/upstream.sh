# The loopback upstream and the peer proxy shared by the benchmarks (sourced after lib.sh): a test CA, a certificate for localhost and
# 127.0.0.1 signed by it, and nginx with one worker serving small fixed answers over HTTP and HTTPS.

make_upstream_certs() {
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=bench upstream CA" \
        -keyout "$WORK/upstream-ca.key" -out "$WORK/upstream-ca.crt" 2>/dev/null
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
        -keyout "$WORK/upstream.key" -out "$WORK/upstream.csr" 2>/dev/null
    printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >"$WORK/upstream.ext"
    openssl x509 -req -in "$WORK/upstream.csr" -CA "$WORK/upstream-ca.crt" -CAkey "$WORK/upstream-ca.key" \
        -CAcreateserial -days 2 -extfile "$WORK/upstream.ext" -out "$WORK/upstream.crt" 2>/dev/null
}

# start_nginx HTTP_PORT HTTPS_PORT [EXTRA_DIRECTIVES]: sets NGINX_PID (the master; its one worker is a child).
# An empty HTTPS_PORT serves plain HTTP only (no certificates needed).
start_nginx() {
    local http_port="$1" https_port="$2" extra="${3:-}" tls=""
    if [[ -n "$https_port" ]]; then
        tls="listen 127.0.0.1:$https_port ssl; ssl_certificate $WORK/upstream.crt; ssl_certificate_key $WORK/upstream.key;"
    fi
    mkdir -p "$WORK/nginx"
    cat >"$WORK/nginx/nginx.conf" <<EOF
worker_processes 1;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    keepalive_requests 1000000;
    keepalive_timeout 120s;
    client_body_temp_path $WORK/nginx/body;
    proxy_temp_path $WORK/nginx/proxy;
    fastcgi_temp_path $WORK/nginx/fastcgi;
    uwsgi_temp_path $WORK/nginx/uwsgi;
    scgi_temp_path $WORK/nginx/scgi;
    server {
        listen 127.0.0.1:$http_port;
        $tls
        default_type text/plain;
        location = /echo-authorization { return 200 "\$http_authorization\n"; }
        $extra
        location / { return 200 "hello from the benchmark upstream, a short fixed answer of about one hundred bytes\n"; }
    }
}
EOF
    start nginx nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -g 'daemon off;'
    NGINX_PID=$LAST_PID
    wait_port "$http_port" nginx
    if [[ -n "$https_port" ]]; then wait_port "$https_port" nginx; fi
}

# start_squid PORT: the peer proxy, loopback only, no cache (every request goes upstream, as with ours), no access
# log; sets LAST_PID.
start_squid() {
    local port="$1"
    mkdir -p "$WORK/squid"
    chown proxy:proxy "$WORK/squid" 2>/dev/null || chmod 777 "$WORK/squid"
    cat >"$WORK/squid/squid.conf" <<EOF
http_port 127.0.0.1:$port
acl to_bench_upstream dst 127.0.0.1
http_access allow localhost to_bench_upstream
http_access deny all
cache deny all
access_log none
cache_log $WORK/squid/cache.log
pid_filename $WORK/squid/squid.pid
coredump_dir $WORK/squid
shutdown_lifetime 1 seconds
max_filedescriptors 8192
EOF
    start squid squid -N -f "$WORK/squid/squid.conf"
}
