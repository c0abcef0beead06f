#!/usr/bin/env bash
# Set up a fresh machine and run every test: unit tests of the host, the SDK and the plugins,
# and the end-to-end tests that drive the real fasthooks-host binary (and the real Claude Code
# CLI, installed locally into target/claude-code/ by scripts/install-claude.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/build.sh
./scripts/install-claude.sh
cargo test --release --workspace
