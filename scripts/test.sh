#!/usr/bin/env bash
# Set up a fresh machine and run every test: unit tests of the host, the SDK and the plugins,
# and the end-to-end tests that drive the real fasthooks-host binary (and the real Claude Code
# CLI, installed locally into target/claude-code/ by scripts/install-claude.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/build.sh
./scripts/install-claude.sh

# No module import cycles, no oversized files without a reason.
python3 scripts/check-layout.py

# The hook front is the process Claude Code starts on every event: it must never link the
# WebAssembly engine.
if cargo tree --quiet -p fasthooks-host -e normal --prefix none | grep -q '^wasmtime'; then
  echo "fasthooks-host depends on wasmtime:" >&2
  cargo tree -p fasthooks-host -e normal -i wasmtime >&2
  exit 1
fi

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
status=0
cargo test --release --workspace 2>&1 | tee "$log" || status=$?
# One closing line for the whole run (cargo prints one per test binary).
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i) ~ /^passed;?$/) p += $(i-1); if ($(i) ~ /^failed;?$/) f += $(i-1) } }
     END { printf "\nTotal: %d passed, %d failed\n", p, f }' "$log"
exit "$status"
