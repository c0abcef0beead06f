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

# Python plugins (componentize-py, pinned; installed into a private virtualenv under target/).
python_plugins=(secrets-py)
venv="target/py-venv"
componentize_py_version="0.25.1"
if [ ! -x "$venv/bin/componentize-py" ] || [ "$("$venv/bin/componentize-py" --version 2>/dev/null | awk '{print $2}')" != "$componentize_py_version" ]; then
  echo "==> installing componentize-py $componentize_py_version into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "componentize-py==$componentize_py_version"
fi
echo "==> building Python plugins: ${python_plugins[*]}"
for plugin in "${python_plugins[@]}"; do
  "$venv/bin/componentize-py" -d wit -w plugin componentize -p "plugins/$plugin" app -o "target/plugins/$plugin.wasm" >/dev/null
  echo "    target/plugins/$plugin.wasm ($(stat -c %s "target/plugins/$plugin.wasm") bytes)"
done
