#!/usr/bin/env bash
# Build every example and test plugin into target/plugins/<name>.wasm.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh

# Rust plugins: crate name -> component file name.
rust_plugins=(guard hostile not-a-plugin analyze task-lab house-rules)
args=()
for crate in "${rust_plugins[@]}"; do args+=(-p "$crate"); done
echo "==> building Rust plugins: ${rust_plugins[*]}"
cargo build --quiet --release --target wasm32-wasip2 "${args[@]}"

mkdir -p target/plugins
for crate in "${rust_plugins[@]}"; do
  built="target/wasm32-wasip2/release/${crate//-/_}.wasm"
  [ -f "$built" ] || built="target/wasm32-wasip2/release/${crate}.wasm"
  cp "$built" "target/plugins/${crate}.wasm"
  echo "    target/plugins/${crate}.wasm ($(stat -c %s "target/plugins/${crate}.wasm") bytes)"
done
