#!/usr/bin/env bash
# Benchmarks, each reported as a ratio against a baseline measured in the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/build.sh >/dev/null
cargo build --quiet --release -p fasthooks-bench

export FASTHOOKS_HOME="$(mktemp -d)"
trap 'rm -rf "$FASTHOOKS_HOME"' EXIT
host="$PWD/target/release/fasthooks-host"
guard="$PWD/target/plugins/guard.wasm"
event="$PWD/tests/fixtures/2.1.332/PreToolUse.json"

echo "== hook round trip (PreToolUse, guard plugin, in-process)"
./target/release/roundtrip --iterations "${ITERATIONS:-300}" "$event" -- "$host" --inline --plugin "$guard"
