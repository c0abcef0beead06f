#!/usr/bin/env bash
# Build fasthooks-host (release) and every example plugin.
#
# The `fasthooks-host` front is linked statically: it is the process Claude Code starts on every
# hook event, and a static binary skips the dynamic loader (about a quarter of a millisecond per
# call on this kind of machine; see scripts/bench.sh). `fasthooks-engine` stays dynamic.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
echo "==> building fasthooks-host and fasthooks-engine (release)"
cargo build --quiet --release -p fasthooks-host
cargo rustc --quiet --release -p fasthooks-host --bin fasthooks-host -- -C target-feature=+crt-static
./scripts/build-plugins.sh
