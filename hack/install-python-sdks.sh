#!/usr/bin/env bash
# Installs the official Python SDKs of OpenAI and Anthropic, at pinned versions, from PyPI into a cached virtual
# environment. The bridge's client tests (bridge-sidecar: OfficialSdkErrorsTest) run a small script with them
# against a real bridge on loopback, to prove the SDKs read the bridge's errors as their own. A stamp of the pins
# makes warm runs a no-op. The last line is PYTHON_SDKS_DIR=<dir>; the interpreter is <dir>/bin/python.
#
#   hack/install-python-sdks.sh
#   PYTHON_SDKS_DIR=/some/dir hack/install-python-sdks.sh
set -euo pipefail

# The pins: the tests print them with each failure.
ANTHROPIC_VERSION=2.17.0
OPENAI_VERSION=3.63.0

dir="${PYTHON_SDKS_DIR:-$HOME/.cache/agentsandbox/pysdk}"
mkdir -p "$dir"
exec 9>"$dir/.lock"
flock 9

pins="anthropic=$ANTHROPIC_VERSION openai=$OPENAI_VERSION"
if [ "$(cat "$dir/.stamp" 2>/dev/null)" = "$pins" ] && [ -x "$dir/bin/python" ]; then
  echo "python SDKs: installed ($pins)"
  echo "PYTHON_SDKS_DIR=$dir"
  exit 0
fi

python=""
for candidate in python3.11 python3.12 python3.13 python3; do
  if command -v "$candidate" >/dev/null 2>&1 \
      && "$candidate" -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 9))' 2>/dev/null; then
    python="$candidate"
    break
  fi
done
[ -n "$python" ] || { echo "python SDKs: no Python >= 3.9 with venv (apt-get install python3-venv)" >&2; exit 1; }

rm -f "$dir/.stamp"
rm -rf "$dir/bin" "$dir/lib" "$dir/lib64" "$dir/include" "$dir/pyvenv.cfg"
"$python" -m venv "$dir"
"$dir/bin/python" -m pip install --quiet --disable-pip-version-check \
  "anthropic==$ANTHROPIC_VERSION" "openai==$OPENAI_VERSION"
echo "$pins" > "$dir/.stamp"
echo "python SDKs: installed ($pins) with $("$dir/bin/python" --version)"
echo "PYTHON_SDKS_DIR=$dir"
