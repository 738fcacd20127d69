#!/usr/bin/env bash
# Makes the files the sidecar image carries beside its jar, derived from it (BENCHMARKS.md, "Sidecar image start"):
#   <output dir>/native/libnetty_tcnative_linux_x86_64.so   BoringSSL's JNI library, out of the jar once: the
#       entrypoint's -Djava.library.path finds it, so a start neither extracts 3 MiB into /tmp nor needs /tmp
#       writable and executable for it, and every sidecar on a node maps the same file;
#   <output dir>/sidecar.jsa   the class-data archive (AppCDS): the JDK's and the sidecar's classes that both roles
#       load to start and answer their first requests, parsed, verified and laid out once here instead of in every
#       sidecar start.
#
#   hack/sidecar-image-files.sh <base image tar> <sidecar jar> <jar path in the image> <output dir>
#
# An archive is only used by the very JVM that wrote it and with the jar it was made from, at the same path, with
# the same size and modification time (the JVM checks them and otherwise starts without it). So the training runs
# inside the base image's own root filesystem (a chroot of the docker-archive Jib builds FROM) with the jar placed
# where Jib puts it, with Jib's file modification time (1970-01-01T00:00:01Z, its default, set explicitly in the
# sidecar's POM). Each role starts on loopback ports chosen by the OS, answers /healthz, /metrics and a request,
# and stops; the classes both loaded (-XX:DumpLoadedClassList) go into one static archive (-Xshare:dump), so the
# one entrypoint of the image serves both roles with one -XX:SharedArchiveFile. The same JVM then starts with
# -Xshare:on, which fails unless the archive maps and validates: a broken archive fails the build, not the pod.
# Needs root (chroot, a private mount namespace with /proc for the JVM's launcher), as hack/build-images.sh does.
set -Eeuo pipefail

die() { echo "sidecar-image-files: ERROR: $*" >&2; exit 1; }
[[ $# -eq 4 ]] || die "usage: $0 <base image tar> <sidecar jar> <jar path in the image> <output dir>"
BASE_TAR="$1" JAR="$2" JAR_IN_IMAGE="$3" OUT_DIR="$4"
OUT="${OUT_DIR}/sidecar.jsa"
NATIVE_LIB=libnetty_tcnative_linux_x86_64.so
NATIVE_IN_IMAGE="$(dirname "$JAR_IN_IMAGE")/native"
[[ -s "$BASE_TAR" ]] || die "base image ${BASE_TAR} is missing: hack/build-images.sh base"
[[ -s "$JAR" ]] || die "sidecar jar ${JAR} is missing: build it first (./mvnw -pl bridge-sidecar -am package)"
[[ "$(id -u)" == 0 ]] || die "must run as root (chroot into the base image), as hack/build-images.sh does"
for tool in unshare chroot mount tar python3; do
  command -v "$tool" >/dev/null 2>&1 || die "'${tool}' not found"
done

# Made again only when the base image, the jar's classes and files or this script changed (a warm build skips the
# training). The jar is rebuilt by every build with new entry times (and directory entries in another order) but
# the same size and contents: its size and its entries' names, CRCs and sizes are what the archive depends on (the
# JVM checks the jar's size and time).
jar_contents() {
  python3 - "$1" <<'EOF'
import os, sys, zipfile
print(os.path.getsize(sys.argv[1]))
for entry in sorted(zipfile.ZipFile(sys.argv[1]).infolist(), key=lambda entry: entry.filename):
    print(entry.filename, entry.CRC, entry.file_size)
EOF
}
FINGERPRINT="$(cat "$BASE_TAR" "${BASH_SOURCE[0]}" <(echo "$JAR_IN_IMAGE") <(jar_contents "$JAR") | sha256sum | cut -d' ' -f1)"
if [[ -s "$OUT" && -s "${OUT_DIR}/native/${NATIVE_LIB}" && "$(cat "${OUT_DIR}/.stamp" 2>/dev/null)" == "$FINGERPRINT" ]]; then
  echo "sidecar-image-files: ${OUT_DIR} up to date, skipped" >&2
  exit 0
fi
# A clean checkout (CI) has no target/ and so no stamp: the files of a fingerprint are kept in a cache outside it
# too (the newest few), so that a warm machine does not train again for the same jar.
CACHE_DIR="${SIDECAR_IMAGE_FILES_CACHE:-${HOME}/.cache/agentsandbox/sidecar-image-files}"
CACHED="${CACHE_DIR}/${FINGERPRINT}"
install_files() { # <dir with sidecar.jsa and native/>
  rm -rf "$OUT_DIR"
  mkdir -p "$OUT_DIR/native"
  cp "$1/native/${NATIVE_LIB}" "$OUT_DIR/native/"
  cp "$1/sidecar.jsa" "$OUT"
  echo "$FINGERPRINT" > "$OUT_DIR/.stamp"
}
if [[ -s "${CACHED}/sidecar.jsa" && -s "${CACHED}/native/${NATIVE_LIB}" ]]; then
  install_files "$CACHED"
  echo "sidecar-image-files: ${OUT_DIR} from the cache ${CACHED}" >&2
  exit 0
fi

ROOT="$(mktemp -d "${TMPDIR:-/tmp}/sidecar-cds.XXXXXX")"
trap 'rm -rf "$ROOT"' EXIT

# The base image's layers, in order (docker-archive: manifest.json names them).
while IFS= read -r layer; do
  tar -xOf "$BASE_TAR" "$layer" | tar -C "$ROOT" -x
done < <(tar -xOf "$BASE_TAR" manifest.json | python3 -c 'import json, sys; print("\n".join(json.load(sys.stdin)[0]["Layers"]))')
[[ -x "$ROOT/opt/java/bin/java" ]] || die "no /opt/java/bin/java in ${BASE_TAR}"
mkdir -p "$ROOT$(dirname "$JAR_IN_IMAGE")" "$ROOT/tmp/train"
cp "$JAR" "$ROOT$JAR_IN_IMAGE"
touch -d @1 "$ROOT$JAR_IN_IMAGE"
mkdir -p "$ROOT$NATIVE_IN_IMAGE"
python3 - "$JAR" "META-INF/native/${NATIVE_LIB}" "$ROOT$NATIVE_IN_IMAGE/${NATIVE_LIB}" <<'EOF'
import shutil, sys, zipfile
jar, member, target = sys.argv[1:4]
with zipfile.ZipFile(jar) as z, z.open(member) as source, open(target, "wb") as out:
    shutil.copyfileobj(source, out)
EOF
echo "not-a-secret" > "$ROOT/tmp/train/credential"

# The training: runs in the chroot (the network is the host's, the ports are the OS's choice), driven from here.
cat > "$ROOT/tmp/train/drive.py" <<'EOF'
import json, os, signal, socket, subprocess, sys, time

root, java, jar, native, role = sys.argv[1:6]
log_path = f"{root}/tmp/train/{role}.log"
args = {
    "proxy": ["proxy", "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0", "--ca-dir", "/tmp/train/ca",
              "--credential", "host=example.test,header=Authorization,format=Bearer %s,file=/tmp/train/credential"],
    "bridge": ["bridge", "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0", "--default-model", "train",
               "--upstream", "http://127.0.0.1:9/engines/llama.cpp"],
}[role]
command = ["unshare", "--mount", "--propagation", "private", "sh", "-c",
           f'mount -t proc proc "$0/proc" && exec chroot "$0" "$@"', root, java, "-XX:+UseSerialGC", "-XX:MaxRAM=256m",
           f"-XX:DumpLoadedClassList=/tmp/train/{role}.classlist", f"-Djava.library.path={native}",
           "-jar", jar] + args
with open(log_path, "w") as log:
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)

def started():
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"the {role} training run ended (exit {process.returncode}): " + open(log_path).read()[-2000:])
        for line in open(log_path):
            if '"event":"started"' in line:
                return json.loads(line)
        time.sleep(0.05)
    process.kill()
    sys.exit(f"the {role} training run did not start within 120 s")

def exchange(address, request):
    host, port = address.rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=10) as s:
        s.sendall(request.encode())
        while s.recv(65536):
            pass

line = started()
for path in ("/healthz", "/metrics", "/status"):
    exchange(line["admin"], f"GET {path} HTTP/1.1\r\nHost: train\r\nConnection: close\r\n\r\n")
if role == "proxy" and '"engine":"boringssl"' not in open(log_path).read():
    sys.exit("the proxy did not load BoringSSL from the image's library path: " + open(log_path).read()[-2000:])
if role == "proxy":  # refused by the egress policy: the request path, the decision and the denial
    exchange(line["listen"], "GET http://example.test/ HTTP/1.1\r\nHost: example.test\r\nConnection: close\r\n\r\n")
    exchange(line["listen"], "CONNECT example.test:443 HTTP/1.1\r\nHost: example.test:443\r\n\r\n")
else:  # the runner is unreachable: the request path, the policy and the 502
    body = '{"model":"train","messages":[{"role":"user","content":"hi"}]}'
    exchange(line["listen"], "POST /v1/chat/completions HTTP/1.1\r\nHost: train\r\nContent-Type: application/json\r\n"
             f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n{body}")
process.send_signal(signal.SIGTERM)
process.wait(timeout=60)
EOF

for role in proxy bridge; do
  python3 "$ROOT/tmp/train/drive.py" "$ROOT" /opt/java/bin/java "$JAR_IN_IMAGE" "$NATIVE_IN_IMAGE" "$role" \
    || die "the ${role} training run failed"
  [[ -s "$ROOT/tmp/train/${role}.classlist" ]] || die "the ${role} training run wrote no class list"
done

in_image() { unshare --mount --propagation private sh -c 'mount -t proc proc "$0/proc" && exec chroot "$0" "$@"' "$ROOT" "$@"; }
# Both lists in one, each line once, in the order first seen: the bridge's first, so that the classes only the
# proxy loads are laid out together (the bridge does not touch their pages: ~3 MiB less of its RSS than interleaved).
awk '!seen[$0]++' "$ROOT/tmp/train/bridge.classlist" "$ROOT/tmp/train/proxy.classlist" > "$ROOT/tmp/train/classlist"
in_image /opt/java/bin/java -Xshare:dump -XX:SharedClassListFile=/tmp/train/classlist \
  -XX:SharedArchiveFile=/tmp/train/sidecar.jsa -cp "$JAR_IN_IMAGE" > "$ROOT/tmp/train/dump.log" 2>&1 \
  || die "the archive dump failed: $(tail -20 "$ROOT/tmp/train/dump.log")"
in_image /opt/java/bin/java -Xshare:on -XX:SharedArchiveFile=/tmp/train/sidecar.jsa -XX:+UseSerialGC \
  -jar "$JAR_IN_IMAGE" --help > "$ROOT/tmp/train/check.log" 2>&1 \
  || die "the image's JVM does not take the archive: $(tail -20 "$ROOT/tmp/train/check.log")"
mkdir -p "$ROOT/tmp/train/files/native"
cp "$ROOT$NATIVE_IN_IMAGE/${NATIVE_LIB}" "$ROOT/tmp/train/files/native/"
cp "$ROOT/tmp/train/sidecar.jsa" "$ROOT/tmp/train/files/"
install_files "$ROOT/tmp/train/files"
# Into the cache whole or not at all (a concurrent build may have stored the same fingerprint first).
mkdir -p "$CACHE_DIR"
NEW="$(mktemp -d "${CACHE_DIR}/.new.XXXXXX")"
cp -r "$ROOT/tmp/train/files/." "$NEW/"
mv -T "$NEW" "$CACHED" 2>/dev/null || rm -rf "$NEW"
ls -1dt "$CACHE_DIR"/*/ | tail -n +4 | xargs -r rm -rf
echo "sidecar-image-files: ${OUT} ($(du -h "$OUT" | cut -f1), $(wc -l < "$ROOT/tmp/train/classlist") classes listed)," \
  "${OUT_DIR}/native/${NATIVE_LIB}" >&2
