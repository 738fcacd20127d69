#!/usr/bin/env bash
# Builds the project's container images as OCI archives, without a registry or a container daemon:
#
#   ${AGENTSANDBOX_IMAGES_DIR:-$HOME/.agentsandbox/images}/
#     operator.tar  sidecar.tar                 <- Jib (./mvnw), FROM the Java base images below
#     agent.tar  model-runner.tar  tls-upstream.tar  busybox.tar   <- test images (hack/images/<name>/)
#     base/java.tar  base/sidecar.tar            <- Jib's base images (docker-archive: what Jib's tar:// reads)
#     test-ca/ca.crt ca.key tls.crt tls.key       <- the tests' root CA (in the agent image's trust store, as a
#                                                   public root would be) and a leaf for *.example.test it signed
#     <name>.packages                            <- the Debian package versions inside each image
#
# Root filesystems come from Debian packages (mmdebstrap, suite pinned below), are packed into OCI images with
# umoci and written out with skopeo. The Java runtime is jlinked from Debian's OpenJDK 17 inside a build chroot.
# Idempotent: an image is rebuilt only when its definition changed (stamp = sha256 of its inputs) or --force.
# Serialized with flock (parallel Maven modules and scripts wait for each other).
#
# Usage: hack/build-images.sh [--force] [GROUP|IMAGE...]
#   groups: base (Java base images for Jib), test (agent model-runner tls-upstream busybox),
#           java (operator and sidecar, through ./mvnw -Pimages ... package), all (default: base test java)
#   AGENTSANDBOX_IMAGES_DIR   output directory (default: $HOME/.agentsandbox/images)
#   DEBIAN_MIRROR             Debian archive (default: http://deb.debian.org/debian; a snapshot.debian.org URL works)
#   DEBIAN_SECURITY_MIRROR    Debian security archive (default: http://deb.debian.org/debian-security; "none" omits it)
#   IMAGES_LOCK_TIMEOUT       seconds to wait for a concurrent run (default: 3600)
# Needs root (mmdebstrap's root mode), and the Debian packages mmdebstrap, umoci, skopeo.
set -Eeuo pipefail

STEP="start"
step() { STEP="$1"; echo "==> $1" >&2; }
die() { echo "build-images: ERROR in step '${STEP}': $*" >&2; exit 1; }
trap 'echo "build-images: FAILED in step [${STEP}] (exit $?, line ${LINENO}: ${BASH_COMMAND})" >&2' ERR

HACK_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT_DIR="$(dirname "${HACK_DIR}")"
DEFS="${HACK_DIR}/images"
OUT="${AGENTSANDBOX_IMAGES_DIR:-${HOME}/.agentsandbox/images}"
WORK="${OUT}/.work"

# --- pins -----------------------------------------------------------------------------------------------------
# Debian 12 (bookworm, point releases + security updates). Package versions built into an image are written
# next to it (<name>.packages); point DEBIAN_MIRROR at a snapshot.debian.org timestamp to rebuild them exactly.
SUITE=bookworm
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
SECURITY_MIRROR="${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}"
# The JDK jlink takes the runtime from, and the modules of the runtime: what jdeps reports for the sidecar's jar
# and the operator (Quarkus, Fabric8, Vert.x, Micrometer), plus TLS (jdk.crypto.ec), DNS (jdk.naming.dns) and the
# JVM's own management and zip file system modules that Quarkus and Micrometer use.
JDK_PACKAGE=openjdk-17-jdk-headless
JAVA_HOME_IN_BUILDER=/usr/lib/jvm/java-17-openjdk-amd64
JRE_MODULES=java.base,java.compiler,java.desktop,java.instrument,java.logging,java.management,java.naming,java.net.http,java.scripting,java.security.jgss,java.sql,java.xml,jdk.crypto.ec,jdk.management,jdk.naming.dns,jdk.unsupported,jdk.zipfs
# What a jlinked JVM links against (ldd of libjvm.so, libjava.so, libnet.so, libzip.so …), nothing else.
JAVA_RUNTIME_PACKAGES=base-files,libc6,libgcc-s1,libstdc++6,zlib1g,netbase
IMAGE_TAG=dev
IMAGE_PREFIX=localhost/agentsandbox

# --- arguments ------------------------------------------------------------------------------------------------
FORCE=0
targets=()
for arg in "$@"; do
  case "$arg" in
    --force) FORCE=1 ;;
    -h|--help) sed -n '2,26p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) die "unknown option '$arg' (try --help)" ;;
    *) targets+=("$arg") ;;
  esac
done
[[ ${#targets[@]} -gt 0 ]] || targets=(all)
TEST_IMAGES=(agent model-runner tls-upstream busybox)
want=()
for t in "${targets[@]}"; do
  case "$t" in
    all) want+=(base "${TEST_IMAGES[@]}" java) ;;
    base|java|agent|model-runner|tls-upstream|busybox) want+=("$t") ;;
    test) want+=("${TEST_IMAGES[@]}") ;;
    *) die "unknown image or group '$t' (base, test, java, all, or one of: ${TEST_IMAGES[*]})" ;;
  esac
done
wanted() { local w; for w in "${want[@]}"; do [[ "$w" == "$1" ]] && return 0; done; return 1; }

# --- preconditions --------------------------------------------------------------------------------------------
step "check tools"
[[ "$(id -u)" == 0 ]] || die "must run as root (mmdebstrap's root mode builds the root filesystems; these are the" \
  "same machines the node runs on). Or build only the Java images from existing bases: ./mvnw -Pimages package"
for tool in mmdebstrap umoci skopeo flock sha256sum; do
  command -v "$tool" >/dev/null 2>&1 || die "'${tool}' not found: apt-get install -y mmdebstrap umoci skopeo util-linux"
done

step "lock ${OUT}/.lock"
mkdir -p "${OUT}/base" "${WORK}"
exec 9>"${OUT}/.lock"
if ! flock -n 9; then
  echo "    another build-images run holds the lock; waiting (up to ${IMAGES_LOCK_TIMEOUT:-3600}s)..." >&2
  flock -w "${IMAGES_LOCK_TIMEOUT:-3600}" 9 || die "timed out waiting for the lock ${OUT}/.lock"
fi
rm -rf "${WORK}"/tmp.* # leftovers of an interrupted run (we hold the lock)

# --- helpers --------------------------------------------------------------------------------------------------
mirrors=("deb ${MIRROR} ${SUITE} main")
[[ "${SECURITY_MIRROR}" == none ]] || mirrors+=("deb ${SECURITY_MIRROR} ${SUITE}-security main")

# No manuals, no translations, no documentation but the copyright files: nothing in these images reads them.
SLIM=(--dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/info/*'
      --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright'
      --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/share/lintian/*'
      --aptopt='Acquire::Languages "none"' --aptopt='APT::Install-Recommends "false"'
      # update-alternatives writes manual page links even when the pages are excluded.
      --setup-hook='mkdir -p "$1/usr/share/man/man1"')

# What defines an image, hashed into its stamp: the given strings, the archive and options, its definition directory.
fingerprint() { # <name> <strings...>
  local name="$1"; shift
  { printf '%s\n' "$@" "${mirrors[@]}" "${SLIM[@]}"
    [[ ! -d "${DEFS}/${name}" ]] || (cd "${DEFS}/${name}" && find . -type f -print0 | sort -z | xargs -0 sha256sum)
  } | sha256sum | cut -d' ' -f1
}
up_to_date() { # <stamp name> <fingerprint> <files...>
  local name="$1" fp="$2" f; shift 2
  [[ "$FORCE" == 0 && -f "${WORK}/${name}.stamp" && "$(cat "${WORK}/${name}.stamp")" == "$fp" ]] || return 1
  for f in "$@"; do [[ -s "$f" ]] || return 1; done
}
stamp() { echo "$2" > "${WORK}/$1.stamp"; }

# /etc/passwd and /etc/group (the extract variant runs no maintainer scripts): root, the agent's 1000, the sidecars'
# 1337 (proxy) and 1338 (bridge) that the operator sets, and the operator's 65532; Java reads user.home from here.
write_accounts() { # <rootfs dir>
  printf '%s\n' "root:x:0:0:root:/root:/bin/sh" "agent:x:1000:1000:agent:/home/agent:/bin/sh" \
    "proxy:x:1337:1337:egress proxy:/tmp:/usr/sbin/nologin" "bridge:x:1338:1338:model bridge:/tmp:/usr/sbin/nologin" \
    "nonroot:x:65532:65532:nonroot:/home/nonroot:/usr/sbin/nologin" \
    "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin" > "$1/etc/passwd"
  printf '%s\n' root:x:0: agent:x:1000: proxy:x:1337: bridge:x:1338: nonroot:x:65532: nogroup:x:65534: > "$1/etc/group"
  [[ -e "$1/etc/nsswitch.conf" ]] || printf 'passwd: files\ngroup: files\nhosts: files dns\n' > "$1/etc/nsswitch.conf"
  mkdir -p "$1/tmp" "$1/root" "$1/home/nonroot"
  chmod 1777 "$1/tmp"; chmod 0700 "$1/root"; chown 65532:65532 "$1/home/nonroot"
}

# mmdebstrap into a directory, then <hooks...> (shell snippets, $1 = the root directory), then a tarball of it.
# The downloaded .deb names are kept as the record of the package versions (<packages file>), then removed.
build_rootfs() { # <output rootfs tar> <packages file> <variant> <packages> <hooks...>
  local out="$1" pkgs="$2" variant="$3" include="$4"; shift 4
  local dir; dir="$(mktemp -d "${WORK}/tmp.XXXXXX")"
  mmdebstrap --mode=root --quiet --variant="$variant" --include="$include" --skip=cleanup/apt/cache "${SLIM[@]}" \
    "${SUITE}" "${dir}/root" "${mirrors[@]}" \
    || die "mmdebstrap failed (its messages above); the archive ${MIRROR} must be reachable"
  find "${dir}/root/var/cache/apt/archives" -name '*.deb' -printf '%f\n' | sed 's/\.deb$//' | sort > "${pkgs}.tmp"
  rm -rf "${dir}/root/var/cache/apt/archives"/*.deb "${dir}/root/var/cache/apt"/*.bin "${dir}/root/var/lib/apt/lists"/* \
    "${dir}/root/var/log"/*
  write_accounts "${dir}/root"
  local hook
  for hook in "$@"; do
    bash -euo pipefail -c "$hook" hook "${dir}/root" || die "customizing the root filesystem failed in: ${hook}"
  done
  tar -C "${dir}/root" --numeric-owner --sort=name -cf "${dir}/rootfs.tar" .
  mv -f "${pkgs}.tmp" "$pkgs"
  mv -f "${dir}/rootfs.tar" "$out"
  rm -rf "$dir"
}

# Packs a root filesystem tarball into a one-layer OCI image and writes it as <format>:<file> with the given name.
# <config...> are umoci config flags (entrypoint, cmd, user, env, workdir).
pack() { # <rootfs.tar> <image name> <format oci-archive|docker-archive> <output file> <config...>
  local rootfs="$1" name="$2" format="$3" out="$4"; shift 4
  local layout; layout="$(mktemp -d "${WORK}/tmp.XXXXXX")"
  umoci init --layout "${layout}/oci"
  umoci new --image "${layout}/oci:img"
  umoci raw add-layer --image "${layout}/oci:img" "$rootfs"
  umoci config --image "${layout}/oci:img" --os linux --architecture amd64 --author agentsandbox \
    --config.env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$@"
  umoci gc --layout "${layout}/oci"
  rm -f "${out}.tmp"
  skopeo copy --quiet "oci:${layout}/oci:img" "${format}:${out}.tmp:${IMAGE_PREFIX}/${name}:${IMAGE_TAG}"
  mv -f "${out}.tmp" "$out"
  rm -rf "$layout"
}

# How every image is made: part of each image's stamp.
IMAGE_HELPERS=(write_accounts build_rootfs pack)

# --- the Java runtime: jlinked from Debian's JDK in a throw-away build chroot ------------------------------------
JRE_TAR="${WORK}/jre.tar"
JLINK_FLAGS="--strip-debug --no-man-pages --no-header-files --compress=0 --generate-cds-archive"
build_jre() {
  local fp; fp="$(fingerprint jre "$JDK_PACKAGE" "$JRE_MODULES" "$JLINK_FLAGS" "$(declare -f build_jre)")"
  if up_to_date jre "$fp" "$JRE_TAR"; then echo "==> Java runtime (jlink): up to date, skipped" >&2; return; fi
  step "jlink a Java runtime from Debian's ${JDK_PACKAGE} (${JRE_MODULES})"
  local start=$SECONDS tmp; tmp="$(mktemp --suffix=.tar "${WORK}/tmp.XXXXXX")"
  # The trust store is Debian's (ca-certificates-java, made by its maintainer script), not the one in the jmods;
  # binutils: jlink strips native debug symbols with objcopy. Uncompressed modules and a CDS archive: the sidecar
  # starts twice in every sandbox (the image layer is compressed anyway); the CDS archive for heaps over 32 GB and
  # libjvm's symbol table go.
  mmdebstrap --mode=root --quiet --variant=essential "${SLIM[@]}" --include="${JDK_PACKAGE},ca-certificates-java,binutils" \
    --customize-hook="chroot \"\$1\" ${JAVA_HOME_IN_BUILDER}/bin/jlink --add-modules ${JRE_MODULES} ${JLINK_FLAGS} --output /opt/java" \
    --customize-hook='cp --remove-destination -L "$1/etc/ssl/certs/java/cacerts" "$1/opt/java/lib/security/cacerts"' \
    --customize-hook='rm -f "$1/opt/java/lib/server/classes_nocoops.jsa"' \
    --customize-hook='chroot "$1" strip --strip-unneeded /opt/java/lib/server/libjvm.so' \
    --customize-hook="chroot \"\$1\" /opt/java/bin/java -version" \
    --customize-hook="chroot \"\$1\" dpkg-query -W ${JDK_PACKAGE} ca-certificates-java ca-certificates > '${WORK}/jre.packages'" \
    --customize-hook="tar -C \"\$1\" --numeric-owner -cf '${tmp}' opt/java" \
    "${SUITE}" /dev/null "${mirrors[@]}" || die "mmdebstrap (JDK build chroot) failed; see its messages above"
  mv -f "$tmp" "$JRE_TAR"
  stamp jre "$fp"
  echo "    built in $((SECONDS - start))s" >&2
}

# --- Jib's base images ------------------------------------------------------------------------------------------
# java: the jlinked runtime on the libraries it links against, no shell, no package manager (the operator).
# sidecar: the same plus iptables with the nf_tables backend (egress-init runs iptables-restore/ip6tables-restore).
# Hooks name their inputs through exported variables, not literal paths: a stamp must not depend on where the
# checkout or the output directory is.
export JRE_TAR
ADD_JRE='tar -C "$1" -xf "$JRE_TAR" && ln -s /opt/java/bin/java "$1/usr/bin/java"'
# Without maintainer scripts update-alternatives does not run: point the plain names at the nft variants.
IPTABLES_NFT='for family in iptables ip6tables; do for tool in "" -restore -save; do
  ln -sf "${family}-nft${tool}" "$1/usr/sbin/${family}${tool}"; done; done'
build_java_base() { # <name> <packages> <hooks...>
  local name="$1" packages="$2"; shift 2
  local out="${OUT}/base/${name}.tar" fp; fp="$(fingerprint "base-${name}" "$packages" "$ADD_JRE" "$@" "$(cat "${WORK}/jre.stamp")" "$(declare -f "${IMAGE_HELPERS[@]}")")"
  if up_to_date "base-${name}" "$fp" "$out"; then echo "==> base image ${name}: up to date, skipped" >&2; return; fi
  step "base image ${name}: Debian ${SUITE} ${packages} + the jlinked runtime"
  local start=$SECONDS rootfs="${WORK}/base-${name}.rootfs.tar"
  build_rootfs "$rootfs" "${OUT}/base/${name}.packages" extract "$packages" "$ADD_JRE" "$@"
  cat "${WORK}/jre.packages" >> "${OUT}/base/${name}.packages"
  pack "$rootfs" "base-${name}" docker-archive "$out" --config.env JAVA_HOME=/opt/java
  rm -f "$rootfs"
  stamp "base-${name}" "$fp"
  echo "    built in $((SECONDS - start))s: $(du -h "$out" | cut -f1)" >&2
}

# --- the tests' root CA ------------------------------------------------------------------------------------------
# The agent test image trusts it as if it were a public root (it is in the image's store, not in the sandbox's
# proxy CA), and the E2E tests' upstream hosts serve the leaf it signed for *.example.test. Made once and kept:
# the agent image's stamp includes the certificate, so a new CA rebuilds the image.
TEST_CA="${OUT}/test-ca"
export TEST_CA_CERT="${TEST_CA}/ca.crt"
ensure_test_ca() {
  [[ -s "${TEST_CA}/ca.crt" && -s "${TEST_CA}/ca.key" && -s "${TEST_CA}/tls.crt" && -s "${TEST_CA}/tls.key" ]] \
    && return
  step "the tests' root CA and a *.example.test certificate (${TEST_CA})"
  command -v openssl >/dev/null 2>&1 || die "'openssl' not found: apt-get install -y openssl"
  local tmp; tmp="$(mktemp -d "${WORK}/tmp.XXXXXX")"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 -subj "/CN=agentsandbox test root" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -keyout "${tmp}/ca.key" -out "${tmp}/ca.crt" 2>/dev/null
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=*.example.test" \
    -keyout "${tmp}/tls.key" -out "${tmp}/tls.csr" 2>/dev/null
  printf '%s\n' "subjectAltName=DNS:*.example.test,DNS:example.test" "basicConstraints=critical,CA:FALSE" \
    "extendedKeyUsage=serverAuth" > "${tmp}/leaf.ext"
  openssl x509 -req -in "${tmp}/tls.csr" -CA "${tmp}/ca.crt" -CAkey "${tmp}/ca.key" -CAcreateserial -days 3650 \
    -extfile "${tmp}/leaf.ext" -out "${tmp}/tls.crt" 2>/dev/null
  chmod 0644 "${tmp}"/*.key; chmod 0755 "$tmp" # test material, read by the tests (which may not run as root)
  rm -rf "${TEST_CA}"; mkdir -p "$(dirname "${TEST_CA}")"
  rm -f "${tmp}"/*.csr "${tmp}"/*.ext "${tmp}"/*.srl
  mv "$tmp" "$TEST_CA"
}

# --- test images --------------------------------------------------------------------------------------------------
# Each hack/images/<name>/ holds an image.conf (VARIANT, PACKAGES, ENTRYPOINT, CMD, USER, WORKDIR, HOOK) and the
# files copied into the image (rootfs/).
build_test_image() { # <name>
  local name="$1" def="${DEFS}/$1"
  [[ -f "${def}/image.conf" ]] || die "${def}/image.conf is missing"
  # An image whose definition names the tests' root CA is rebuilt with a new one.
  local ca=""; ! grep -q TEST_CA_CERT "${def}/image.conf" || ca="$(sha256sum "$TEST_CA_CERT")"
  local out="${OUT}/${name}.tar" fp; fp="$(fingerprint "$name" "$(declare -f "${IMAGE_HELPERS[@]}" build_test_image)" "${ca%% *}")"
  if up_to_date "$name" "$fp" "$out"; then echo "==> test image ${name}: up to date, skipped" >&2; return; fi
  local VARIANT="" PACKAGES="" ENTRYPOINT=() CMD=() USER="" WORKDIR="/" HOOK=""
  # shellcheck source=/dev/null
  source "${def}/image.conf"
  [[ -n "$VARIANT" && -n "$PACKAGES" && ${#ENTRYPOINT[@]} -gt 0 && -n "$USER" ]] \
    || die "${def}/image.conf must set VARIANT, PACKAGES, ENTRYPOINT and USER"
  step "test image ${name}: Debian ${SUITE} (${VARIANT}) ${PACKAGES}"
  local start=$SECONDS rootfs="${WORK}/${name}.rootfs.tar" hooks=()
  export IMAGE_DEF="$def"
  [[ ! -d "${def}/rootfs" ]] || hooks+=('cp -a --no-preserve=ownership "$IMAGE_DEF/rootfs/." "$1/"')
  [[ -z "$HOOK" ]] || hooks+=("$HOOK")
  build_rootfs "$rootfs" "${OUT}/${name}.packages" "$VARIANT" "$PACKAGES" "${hooks[@]}"
  local config=(--config.user "$USER" --config.workingdir "$WORKDIR" --clear=config.entrypoint --clear=config.cmd)
  local e; for e in "${ENTRYPOINT[@]}"; do config+=(--config.entrypoint "$e"); done
  for e in "${CMD[@]}"; do config+=(--config.cmd "$e"); done
  pack "$rootfs" "$name" oci-archive "$out" "${config[@]}"
  rm -f "$rootfs"
  stamp "$name" "$fp"
  echo "    built in $((SECONDS - start))s: $(du -h "$out" | cut -f1)" >&2
}

# --- build --------------------------------------------------------------------------------------------------------
if wanted base; then
  build_jre
  build_java_base java "$JAVA_RUNTIME_PACKAGES"
  build_java_base sidecar "${JAVA_RUNTIME_PACKAGES},iptables" "$IPTABLES_NFT"
fi
for name in "${TEST_IMAGES[@]}"; do
  if wanted "$name"; then ensure_test_ca; build_test_image "$name"; fi
done
flock -u 9

if wanted java; then
  # The release build definition (Jib, in the operator's and the sidecar's pom.xml) through the wrapper; it calls
  # this script for the base images again (up to date by now, so it only takes the lock for a moment).
  step "operator and sidecar images (./mvnw -Pimages package)"
  (cd "$ROOT_DIR" && ./mvnw -B -q -Pimages -pl bridge-sidecar,operator -am package -DskipTests \
     "-Dagentsandbox.images.dir=${OUT}") || die "the Maven build of the operator/sidecar images failed (output above)"
fi

step "report"
for f in "${OUT}"/*.tar "${OUT}"/base/*.tar; do
  [[ -e "$f" ]] && printf '    %-60s %s\n' "$f" "$(du -h "$f" | cut -f1)" >&2
done
echo "AGENTSANDBOX_IMAGES_DIR=${OUT}"
