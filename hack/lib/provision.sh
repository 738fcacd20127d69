# Shared by hack/provision-control-plane.sh and hack/provision-node.sh (sourced, not run): named steps, the
# provisioning lock, stamp files and Go builds from the pinned wrapper modules.
# The sourcing script sets PROVISION_NAME before sourcing, and OUT_DIR, FORCE (0/1) and BUILD_TAGS before using
# the functions below.

STEP="start"
step() { STEP="$1"; echo "==> $1" >&2; }
die() { echo "${PROVISION_NAME}: ERROR in step '${STEP}': $*" >&2; exit 1; }
trap 'echo "${PROVISION_NAME}: FAILED in step [${STEP}] (exit $?, line ${LINENO}: ${BASH_COMMAND})" >&2' ERR

parse_args() { # <script> <args...>: --force sets FORCE=1; --help prints the script's header comment
  local script="$1" arg; shift
  FORCE=0
  for arg in "$@"; do
    case "$arg" in
      --force) FORCE=1 ;;
      -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$script"; exit 0 ;;
      *) die "unknown argument '$arg' (try --help)" ;;
    esac
  done
}

gomod_version() { # <go.mod> <module path>: the version the go.mod requires
  awk -v m="$2" '($1 == m || ($1 == "require" && $2 == m)) { v = ($1 == "require") ? $3 : $2; print v; exit }' "$1"
}

platform() { # sets OS and ARCH as Go and kube-api-test name them
  case "$(uname -s)" in Linux) OS=linux ;; Darwin) OS=darwin ;; *) die "unsupported OS $(uname -s)" ;; esac
  case "$(uname -m)" in x86_64|amd64) ARCH=amd64 ;; aarch64|arm64) ARCH=arm64 ;; *) die "unsupported arch $(uname -m)" ;; esac
}

take_lock() { # <lock file>: serializes concurrent provisioning runs (parallel Maven modules, worktrees)
  step "lock $1"
  if command -v flock >/dev/null 2>&1; then
    exec 9>"$1"
    if ! flock -n 9; then
      echo "    another provisioning run holds the lock; waiting (up to ${PROVISION_LOCK_TIMEOUT:-3600}s)..." >&2
      flock -w "${PROVISION_LOCK_TIMEOUT:-3600}" 9 || die "timed out waiting for the lock $1"
    fi
  else
    echo "    warning: flock not found; running without a lock" >&2
  fi
}

fingerprint() { # <wrapper dir> <extra>: changes whenever pins, flags, the wrapper's own sources or toolchain inputs change
  local f
  { cat "$1/go.mod"; for f in "$1"/go.sum "$1"/*.go; do if [[ -f "$f" ]]; then cat "$f"; fi; done; echo "$2"; } \
    | sha256sum | cut -d' ' -f1
}
up_to_date() { # <group> <fingerprint> <files...>
  local group="$1" fp="$2"; shift 2
  [[ "$FORCE" == 0 ]] || return 1
  [[ -f "${OUT_DIR}/.stamp-${group}" && "$(cat "${OUT_DIR}/.stamp-${group}")" == "$fp" ]] || return 1
  local f; for f in "$@"; do [[ -s "${OUT_DIR}/$f" ]] || return 1; done
}
stamp() { # <group> <fingerprint>
  echo "$2" > "${OUT_DIR}/.stamp-$1"
}
GO_CHECKED=0
require_go() {
  [[ "$GO_CHECKED" == 1 ]] && return 0
  step "check Go toolchain"
  command -v go >/dev/null 2>&1 || die "go not found: install Go >= 1.24 (kwok and gVisor need 1.26; GOTOOLCHAIN=auto fetches it) or provide the binaries in ${OUT_DIR} another way"
  local v; v="$(go env GOVERSION)" || die "'go env GOVERSION' failed"
  [[ "$v" =~ ^go1\.([0-9]+) ]] && (( BASH_REMATCH[1] >= 24 )) || die "Go >= 1.24 required, found ${v}"
  echo "    $(command -v go) (${v})" >&2
  GO_CHECKED=1
}
go_build() { # <wrapper dir> <ldflags> <pkgs...>: builds into a temp dir inside OUT_DIR, prints the temp dir
  # (GO_EXTRA_FLAGS: more GOFLAGS, e.g. -modfile for a patched module)
  local dir="$1" ldflags="$2"; shift 2
  local tmp; tmp="$(mktemp -d "${OUT_DIR}/.build.XXXXXX")"
  ( cd "$dir" && CGO_ENABLED=0 GOWORK=off GOFLAGS="-mod=readonly -buildvcs=false ${GO_EXTRA_FLAGS:-}" \
      go build -trimpath -tags "${BUILD_TAGS:-}" -ldflags "${ldflags}" -o "${tmp}/" "$@" ) >&2 \
    || { rm -rf "$tmp"; die "go build failed in ${dir} for: $*"; }
  echo "$tmp"
}
install_from() { # <tmp dir> <files...>: atomic rename into OUT_DIR
  local tmp="$1" f; shift
  for f in "$@"; do
    [[ -s "${tmp}/$f" ]] || die "build produced no ${f}"
    chmod 0755 "${tmp}/$f"
    mv -f "${tmp}/$f" "${OUT_DIR}/$f"
  done
  rm -rf "$tmp"
}
record_versions() { # <text>: the VERSIONS file of OUT_DIR, rewritten only when it changes
  if [[ ! -f "${OUT_DIR}/VERSIONS" || "$(cat "${OUT_DIR}/VERSIONS")" != "$1" ]]; then
    echo "$1" > "${OUT_DIR}/.VERSIONS.tmp" && mv -f "${OUT_DIR}/.VERSIONS.tmp" "${OUT_DIR}/VERSIONS"
  fi
}
