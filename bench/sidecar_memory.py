#!/usr/bin/env python3
"""The sidecar's resident memory at its bounds, under the JVM flags of its image and a stand-in memory limit.

  bench/sidecar_memory.py bridge  256m unfinished   64 connections each holding an unfinished 10 MiB body
  bench/sidecar_memory.py bridge  256m strings      64 complete 10 MiB bodies of one long string (runner unreachable: 502)
  bench/sidecar_memory.py bridge  256m complete     64 complete 10 MiB bodies of millions of tiny JSON values
  bench/sidecar_memory.py proxy   256m 1000         1000 CONNECT tunnels each pushing 4 MiB to an upstream that never reads
  bench/sidecar_memory.py egress-init 64m           egress-init --dry-run (its peak)

Needs the shaded jar (./mvnw -pl bridge-sidecar -am package -DskipTests) and a JDK 17 `java`. Loopback only.
Prints one JSON line: RSS (VmRSS, VmHWM in MiB) before and after the load, and whether the process survived.
"""
import socket, subprocess, sys, time, os, threading, json

JAR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "bridge-sidecar", "target",
                   "agentsandbox-sidecar.jar")
# The sidecar image's JVM flags (the Jib entrypoint in bridge-sidecar/pom.xml); MaxRAM stands in for the limit.
JAVA_OPTS = os.environ.get("SIDECAR_JAVA_OPTS", "-XX:+UseSerialGC -Xss512k -XX:TieredStopAtLevel=1 "
                           "-XX:MaxRAMPercentage=50 -Dio.netty.noPreferDirect=true "
                           "-Djdk.nio.maxCachedBufferSize=262144 -XX:+ExitOnOutOfMemoryError").split()

def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p

def rss(pid):
    d = {}
    for line in open(f"/proc/{pid}/status"):
        k, v = line.split(":", 1)
        if k in ("VmRSS", "VmHWM"): d[k] = int(v.split()[0]) // 1024
    return d

def start(args, maxram):
    cmd = ["java", *JAVA_OPTS, f"-XX:MaxRAM={maxram}", "-jar", JAR] + args
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    time.sleep(3)
    return p

def wait_port(port):
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close(); return
        except OSError: time.sleep(0.1)

def bridge(maxram, mode, conns=64, body=10*1024*1024):
    port, admin = free_port(), free_port()
    p = start(["bridge", "--upstream", "http://127.0.0.1:9/engines/llama.cpp", "--default-model", "m",
               "--listen", f"127.0.0.1:{port}", "--admin", f"127.0.0.1:{admin}"], maxram)
    wait_port(port)
    base = rss(p.pid)
    socks = []
    if mode == "unfinished":
        chunk = b" " * (1024*1024)
        for i in range(conns):
            s = socket.create_connection(("127.0.0.1", port))
            s.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: b\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % body)
            socks.append(s)
        def feed(s):
            try:
                for _ in range(body // len(chunk) - 1): s.sendall(chunk)
            except OSError: pass
        ts = [threading.Thread(target=feed, args=(s,)) for s in socks]
        [t.start() for t in ts]; [t.join() for t in ts]
    else:
        # complete bodies: an array of many small numbers (a large tree), sent at once, answered 502 (no runner)
        n = (body - 40) // 2
        payload = b'{"messages":[' + b"1," * (n - 1) + b'1]}'
        if mode == "strings":
            payload = b'{"messages":[{"role":"user","content":"' + b"a" * (body - 100) + b'"}]}'
        def send(i):
            try:
                s = socket.create_connection(("127.0.0.1", port))
                s.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: b\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(payload) + payload)
                socks.append(s)
                s.settimeout(60); s.recv(200)
            except OSError as e: pass
        ts = [threading.Thread(target=send, args=(i,)) for i in range(conns)]
        [t.start() for t in ts]; [t.join() for t in ts]
    time.sleep(2)
    alive = p.poll() is None
    r = rss(p.pid) if alive else {}
    err = p.stderr.read1(2000).decode() if not alive else ""
    p.kill(); p.wait()
    for s in socks: s.close()
    return dict(role="bridge", mode=mode, limit=maxram, base=base, after=r, alive=alive, err=err[:300])

def proxy(maxram, conns, mb_each=4):
    # upstream: accepts, reads nothing (back-pressure), so the proxy holds what its buffers allow
    up = socket.socket(); up.bind(("127.0.0.1", 0)); up.listen(4096); uport = up.getsockname()[1]
    held = []
    def acc():
        while True:
            try: c, _ = up.accept(); held.append(c)
            except OSError: return
    threading.Thread(target=acc, daemon=True).start()
    port, admin = free_port(), free_port()
    p = start(["proxy", "--allow", f"127.0.0.1:{uport}", "--allow-cidr", "127.0.0.0/8", "--listen", f"127.0.0.1:{port}",
               "--admin", f"127.0.0.1:{admin}"], maxram)
    wait_port(port)
    base = rss(p.pid)
    socks = []
    def tunnel(i):
        try:
            s = socket.create_connection(("127.0.0.1", port))
            s.sendall(b"CONNECT 127.0.0.1:%d HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n" % (uport, uport))
            s.settimeout(30); s.recv(200); socks.append(s)
            s.settimeout(5)
            data = b"x" * 65536
            for _ in range(mb_each * 16): s.sendall(data)
        except OSError: pass
    ts = [threading.Thread(target=tunnel, args=(i,)) for i in range(conns)]
    [t.start() for t in ts]; [t.join() for t in ts]
    time.sleep(2)
    alive = p.poll() is None
    r = rss(p.pid) if alive else {}
    p.kill(); p.wait()
    for s in socks: s.close()
    up.close()
    return dict(role="proxy", tunnels=conns, limit=maxram, base=base, after=r, alive=alive)

def egress_init(maxram):
    cmd = ["/usr/bin/time", "-f", "%M", "java", *JAVA_OPTS, f"-XX:MaxRAM={maxram}", "-jar", JAR, "egress-init", "--proxy-uid", "1337", "--bridge-uid", "1338", "--dry-run"]
    out = subprocess.run(cmd, capture_output=True, text=True)
    return dict(role="egress-init", limit=maxram, peak_rss_mib=int(out.stderr.strip().splitlines()[-1]) // 1024)

if __name__ == "__main__":
    what = sys.argv[1]
    if what == "bridge": print(json.dumps(bridge(sys.argv[2], sys.argv[3])))
    elif what == "proxy": print(json.dumps(proxy(sys.argv[2], int(sys.argv[3]))))
    else: print(json.dumps(egress_init(sys.argv[2])))
