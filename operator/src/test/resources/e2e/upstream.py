#!/usr/bin/python3
"""The E2E tests' upstream hosts, all in one Pod (its own network namespace) that DNS names several times.

HTTPS on 443 with the certificate the test CA signed for *.example.test:
  /repo.git/...        git's smart HTTP protocol (git http-backend) for a repository made at start
  /simple/<project>/   a package index page (PEP 503) with one link, what pip reads
  /v1/reject           401, as an API answers a key it does not accept
  anything else        JSON echo: method, path, Host, SNI, headers (what reached the upstream)
HTTP on 80 and 8080: the same echo. UDP on 53: every datagram is sent back (a resolver that answers anything).
Every request is logged on one line, so the test can read what arrived from `kubectl logs`.
"""
import json
import os
import socket
import ssl
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

GIT_ROOT = "/tmp/git"
GIT_CONTENT = "hello from the e2e git host\n"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "e2e-upstream/1"

    def log_message(self, fmt, *args):
        pass

    def log(self, status):
        sni = getattr(self.connection, "sni", None)
        print(json.dumps({"method": self.command, "path": self.path, "host": self.headers.get("Host"), "sni": sni,
                          "status": status, "headers": dict(self.headers.items())}), flush=True)

    def body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            data = b""
            while True:
                size = int(self.rfile.readline().strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def answer(self, status, content_type, payload, extra=()):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        for name, value in extra:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)
        self.log(status)

    def handle_any(self):
        payload = self.body()
        path = self.path.split("?")[0]
        if path.startswith("/repo.git/"):
            return self.git(payload)
        if path == "/v1/reject":
            # An API that refuses the key it was given, as one does after a revocation.
            return self.answer(401, "application/json", b'{"error": "invalid api key"}')
        if path.startswith("/simple/"):
            project = path.strip("/").split("/")[-1]
            page = ('<!DOCTYPE html><html><body><a href="../../files/%s-1.0.tar.gz">%s-1.0.tar.gz</a></body></html>'
                    % (project, project)).encode()
            return self.answer(200, "text/html", page)
        sni = getattr(self.connection, "sni", None)
        echo = json.dumps({"method": self.command, "path": self.path, "host": self.headers.get("Host"), "sni": sni,
                           "headers": dict(self.headers.items()), "body": payload.decode(errors="replace")})
        self.answer(200, "application/json", echo.encode())

    def git(self, payload):
        path, _, query = self.path.partition("?")
        environment = dict(os.environ, GIT_PROJECT_ROOT=GIT_ROOT, GIT_HTTP_EXPORT_ALL="1", PATH_INFO=path,
                           QUERY_STRING=query, REQUEST_METHOD=self.command, REMOTE_ADDR=self.client_address[0],
                           CONTENT_TYPE=self.headers.get("Content-Type", ""), CONTENT_LENGTH=str(len(payload)))
        for name, value in self.headers.items():
            environment["HTTP_" + name.upper().replace("-", "_")] = value
        result = subprocess.run(["git", "http-backend"], input=payload, env=environment, capture_output=True)
        head, _, content = result.stdout.partition(b"\r\n\r\n")
        if not _:
            head, _, content = result.stdout.partition(b"\n\n")
        status, extra, content_type = 200, [], "text/plain"
        for line in head.decode().splitlines():
            name, _, value = line.partition(":")
            if name.lower() == "status":
                status = int(value.split()[0])
            elif name.lower() == "content-type":
                content_type = value.strip()
            elif name:
                extra.append((name, value.strip()))
        self.answer(status, content_type, content, extra)

    do_GET = do_POST = do_PUT = do_HEAD = do_DELETE = handle_any


def serve(port, context=None):
    server = ThreadingHTTPServer(("0.0.0.0", port), Handler)
    server.daemon_threads = True
    if context is not None:
        server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()


def udp_echo(port):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("0.0.0.0", port))
    while True:
        data, peer = sock.recvfrom(4096)
        print(json.dumps({"udp": port, "from": peer[0], "bytes": len(data)}), flush=True)
        sock.sendto(data, peer)


def make_repository():
    work = "/tmp/git-work"
    for command in (["git", "init", "-q", "--bare", GIT_ROOT + "/repo.git"],
                    ["git", "init", "-q", "-b", "main", work]):
        subprocess.run(command, check=True)
    with open(work + "/README", "w") as readme:
        readme.write(GIT_CONTENT)
    identity = ["-c", "user.name=e2e", "-c", "user.email=e2e@example.test"]
    subprocess.run(["git", "-C", work, "add", "README"], check=True)
    subprocess.run(["git", "-C", work] + identity + ["commit", "-q", "-m", "e2e"], check=True)
    subprocess.run(["git", "-C", work, "push", "-q", GIT_ROOT + "/repo.git", "main"], check=True)
    subprocess.run(["git", "-C", GIT_ROOT + "/repo.git", "symbolic-ref", "HEAD", "refs/heads/main"], check=True)


def main():
    os.environ["HOME"] = "/tmp"
    make_repository()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(sys.argv[1], sys.argv[2])

    def remember_sni(connection, name, _):
        connection.sni = name
    context.sni_callback = remember_sni
    serve(443, context)
    serve(80)
    serve(8080)
    print("e2e-upstream ready", flush=True)
    udp_echo(53)


if __name__ == "__main__":
    main()
