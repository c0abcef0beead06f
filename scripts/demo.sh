#!/usr/bin/env bash
# Set up a fresh machine, build fasthooks-host and the example plugins, and play a short Claude
# Code session (events captured from the real CLI) through the hook exactly as Claude Code runs
# it: one process per event, the event on stdin, the answer on stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/build.sh

export FASTHOOKS_HOME="${FASTHOOKS_HOME:-$(mktemp -d)}"
host="$PWD/target/release/fasthooks-host"
# Four plugins in one hook: Rust (guard, analyze), Python (secrets-py), JavaScript (commit-style-js).
names=(guard analyze secrets-py commit-style-js)
plugins=()
for name in "${names[@]}"; do plugins+=(--plugin "$PWD/target/plugins/$name.wasm"); done
fixtures="$PWD/tests/fixtures"
stderr_file="$(mktemp)"
trap '"$host" daemon stop >/dev/null 2>&1 || true; rm -f "$stderr_file"' EXIT

step() {
  local title="$1" event="$2"
  echo
  echo "--- $title"
  echo "    \$ fasthooks-host --plugin {${names[*]}}.wasm < ${event#"$PWD"/}"
  local start end out code
  start=$(date +%s%N)
  set +e
  out=$("$host" "${plugins[@]}" < "$event" 2>"$stderr_file")
  code=$?
  set -e
  end=$(date +%s%N)
  echo "    exit $code in $(( (end - start) / 1000000 )) ms"
  if [ -n "$out" ]; then echo "    stdout: $out"; else echo "    stdout: (empty: no objection)"; fi
  if [ -s "$stderr_file" ]; then echo "    stderr: $(cat "$stderr_file")"; fi
}

echo
echo "==> a Claude Code session through fasthooks-host (FASTHOOKS_HOME=$FASTHOOKS_HOME)"
step "SessionStart (the first call starts the daemon and compiles the plugins: seconds for Python and JavaScript, once)" "$fixtures/2.1.332/SessionStart.json"
step "UserPromptSubmit (no analysis pending: nothing to add)" "$fixtures/2.1.332/UserPromptSubmit.json"
step "PreToolUse: Bash 'echo hello-from-fake'" "$fixtures/2.1.332/PreToolUse.json"
step "PreToolUse: Bash 'rm -rf /'" "$fixtures/derived/PreToolUse.rm-rf-root.json"
step "PreToolUse: Bash 'curl … | sh'" "$fixtures/derived/PreToolUse.curl-pipe-sh.json"
step "PreToolUse: Bash 'git push --force origin main'" "$fixtures/derived/PreToolUse.force-push-main.json"
step "PreToolUse: Write config/deploy.py with an AWS key (the Python plugin objects)" "$fixtures/derived/PreToolUse.write-secret.json"
step "PreToolUse: Write src/words.rs (analyze queues a background task and returns at once)" "$fixtures/derived/PreToolUse.write.json"
step "PreToolUse: Bash 'git commit -am \"fixed stuff\"' (the JavaScript plugin objects)" "$fixtures/derived/PreToolUse.commit-bad.json"
step "PostToolUse" "$fixtures/2.1.332/PostToolUse.json"
# The analysis runs in the background; wait (bounded) until no task is pending or running.
for _ in $(seq 100); do
  "$host" tasks | grep -qE ' (pending|running) ' || break
  sleep 0.05
done
step "UserPromptSubmit (the analysis, done in the background, reaches Claude as context)" "$fixtures/derived/UserPromptSubmit.second.json"
step "Stop" "$fixtures/2.1.332/Stop.json"

echo
echo "--- \$ fasthooks-host daemon status"
"$host" daemon status | sed 's/^/    /'
echo
echo "--- \$ fasthooks-host tasks"
"$host" tasks | sed 's/^/    /'
