#!/usr/bin/env bash
# Set up a fresh machine and run every test: unit tests of the host, the SDK and the plugins,
# and the end-to-end tests that drive the real fasthooks-host binary.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/build.sh
cargo test --release --workspace
