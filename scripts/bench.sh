#!/usr/bin/env bash
# Benchmarks, each reported against a baseline measured in the same run:
#  1. hook round trip as Claude Code pays for it, vs /bin/true fed the same stdin
#     (through the warm daemon, and in-process);
#     (with BASELINE_BIN=DIR, an earlier build's binaries are measured in the same run too);
#  2. durable background task throughput vs the raw "fresh instance + call" rate, and the
#     wake-up latency of a waiter after its task completes.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/build.sh >/dev/null
cargo build --quiet --release -p fasthooks-bench

export FASTHOOKS_HOME="$(mktemp -d)"
trap 'target/release/fasthooks-host daemon stop >/dev/null 2>&1 || true; rm -rf "$FASTHOOKS_HOME"' EXIT
host="$PWD/target/release/fasthooks-host"
engine="$PWD/target/release/fasthooks-engine"
guard="$PWD/target/plugins/guard.wasm"
event="$PWD/tests/fixtures/2.1.332/PreToolUse.json"
iterations="${ITERATIONS:-300}"

echo "== 1. hook round trip: PreToolUse (Bash), guard plugin"
echo "-- through the daemon (the default; first call starts it)"
if [ -n "${BASELINE_BIN:-}" ]; then
  # Before/after in one run: an earlier build (its fasthooks-host and fasthooks-engine in
  # BASELINE_BIN, its guard in BASELINE_PLUGIN or this one), interleaved with this build, each
  # with a daemon of its own.
  baseline_plugin="${BASELINE_PLUGIN:-$guard}"
  mkdir -p "$FASTHOOKS_HOME/baseline" "$FASTHOOKS_HOME/current"
  echo "   (first: baseline $BASELINE_BIN; second: this build)"
  ./target/release/roundtrip --iterations "$iterations" "$event" \
    -- "$BASELINE_BIN/fasthooks-host" --home "$FASTHOOKS_HOME/baseline" --plugin "$baseline_plugin" \
    -- "$host" --home "$FASTHOOKS_HOME/current" --plugin "$guard"
  "$BASELINE_BIN/fasthooks-host" daemon stop --home "$FASTHOOKS_HOME/baseline" >/dev/null 2>&1 || true
  "$host" daemon stop --home "$FASTHOOKS_HOME/current" >/dev/null 2>&1 || true
else
  ./target/release/roundtrip --iterations "$iterations" "$event" -- "$host" --plugin "$guard"
fi
echo "-- in-process (the engine alone, as in the fallback path)"
./target/release/roundtrip --iterations "$iterations" "$event" -- "$engine" --inline --plugin "$guard"

echo
echo "== 2. background tasks: task-lab 'noop', fresh instance each"
./target/release/tasks "$PWD/target/plugins/task-lab.wasm" --tasks "${TASKS:-20000}" --task noop --args '""'
