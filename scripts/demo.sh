#!/usr/bin/env bash
# Set up a fresh machine, build fasthooks-host and the example plugins, and play a short Claude
# Code session (real captured events) through the hook exactly as Claude Code runs it.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/build.sh

export FASTHOOKS_HOME="${FASTHOOKS_HOME:-$(mktemp -d)}"
host="$PWD/target/release/fasthooks-host"
plugins=(--plugin "$PWD/target/plugins/guard.wasm")
fixtures="$PWD/tests/fixtures"

step() {
  local title="$1" event="$2"
  echo
  echo "--- $title"
  echo "    \$ fasthooks-host ${plugins[*]/#$PWD\//} < ${event#$PWD/}"
  local start end out code
  start=$(date +%s%N)
  set +e
  out=$("$host" "${plugins[@]}" < "$event" 2>/tmp/fasthooks-demo-stderr)
  code=$?
  set -e
  end=$(date +%s%N)
  echo "    exit $code in $(( (end - start) / 1000000 )) ms"
  if [ -n "$out" ]; then echo "    stdout: $out"; else echo "    stdout: (empty: no objection)"; fi
  if [ -s /tmp/fasthooks-demo-stderr ]; then echo "    stderr: $(cat /tmp/fasthooks-demo-stderr)"; fi
}

echo
echo "==> a Claude Code session through fasthooks-host (home: $FASTHOOKS_HOME)"
step "SessionStart (first call compiles the plugin and caches it)" "$fixtures/2.1.332/SessionStart.json"
step "UserPromptSubmit" "$fixtures/2.1.332/UserPromptSubmit.json"
step "PreToolUse: Bash 'echo hello-from-fake'" "$fixtures/2.1.332/PreToolUse.json"
step "PreToolUse: Bash 'rm -rf /'" "$fixtures/derived/PreToolUse.rm-rf-root.json"
step "PreToolUse: Bash 'curl … | sh'" "$fixtures/derived/PreToolUse.curl-pipe-sh.json"
step "PreToolUse: Bash 'git push --force origin main'" "$fixtures/derived/PreToolUse.force-push-main.json"
step "PostToolUse" "$fixtures/2.1.332/PostToolUse.json"
step "Stop" "$fixtures/2.1.332/Stop.json"
