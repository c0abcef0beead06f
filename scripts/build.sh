#!/usr/bin/env bash
# Build fasthooks-host (release) and every example plugin.
#
# Both binaries are linked statically (static PIE, so ASLR stays): `fasthooks-host` is the
# process Claude Code starts on every hook event and `fasthooks-engine` the one it falls back to,
# and a static binary skips the dynamic loader (about a quarter of a millisecond per start on
# this kind of machine; see scripts/bench.sh). A plain `cargo build` gives dynamic binaries that
# work the same, only slower to start.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
echo "==> building fasthooks-host and fasthooks-engine (release)"
cargo build --quiet --release -p fasthooks-host -p fasthooks-engine
for bin in fasthooks-host fasthooks-engine; do
  cargo rustc --quiet --release -p "$bin" --bin "$bin" -- -C target-feature=+crt-static
done
./scripts/build-plugins.sh
