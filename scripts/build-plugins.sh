#!/usr/bin/env bash
# Build every example and test plugin into target/plugins/<name>.wasm.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh

# Rust plugins: crate name -> component file name.
rust_plugins=(guard hostile not-a-plugin analyze task-lab house-rules echo stuck-describe misspelt-event miscased-matcher needs-grants http-probe review seed-scenarios)
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

# Python plugins (componentize-py, and pytest for the SDK's native test mode, pinned; installed
# into a private virtualenv under target/).
python_plugins=(secrets-py matchers-py http-probe-py memory agent-task-py seed-scenarios-py)
# Plugins that send HTTP requests are built against the plugin-http world (wasi:http imported).
python_http_plugins=" http-probe-py "
venv="target/py-venv"
# The pins: scripts/toolchains.txt, shared with `fasthooks-host build`.
pins() { awk -v kinds="$1" 'BEGIN { n = split(kinds, k, " "); for (i = 1; i <= n; i++) want[k[i]] = 1 } !/^#/ && ($1 in want) { print $2 }' scripts/toolchains.txt; }
mapfile -t python_tools < <(pins "python python-test")
if [ "$(cat "$venv/versions" 2>/dev/null)" != "${python_tools[*]}" ]; then
  echo "==> installing ${python_tools[*]} into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "${python_tools[@]}"
  echo "${python_tools[*]}" >"$venv/versions"
fi
echo "==> building Python plugins: ${python_plugins[*]}"
# matchers-py routes on the shared matcher table, handed to it as a Python module.
mkdir -p target/py-gen
python3 -c 'import json, sys; print("CASES =", repr(json.load(open(sys.argv[1]))["cases"]))' \
  tests/fixtures/matchers.json >target/py-gen/matcher_table.py
for plugin in "${python_plugins[@]}"; do
  world=plugin
  [[ "$python_http_plugins" == *" $plugin "* ]] && world=plugin-http
  "$venv/bin/componentize-py" -d wit -w "$world" componentize -p guest-sdk/python -p "plugins/$plugin" \
    -p target/py-gen app -o "target/plugins/$plugin.wasm" >/dev/null
  echo "    target/plugins/$plugin.wasm ($(stat -c %s "target/plugins/$plugin.wasm") bytes)"
done

# JavaScript and TypeScript plugins: each plugin's own dependencies (fasthooks-sdk from
# guest-sdk/js, by npm), type-checked by tsc when it has a tsconfig.json, bundled into one module
# by esbuild (under the `fasthooks-component` condition, which picks the SDK's WIT bindings),
# then built into a component by jco with componentize-js. The tools are pinned and installed
# into target/js-tools/.
js_plugins=(commit-style-js http-probe-js docs-prefetch agent-task-ts seed-scenarios-js)
# Plugins that call fetch are built against the plugin-http world, with the runtime's wasi:http.
js_http_plugins=" http-probe-js docs-prefetch "
js_tools="target/js-tools"
mapfile -t js_tool_versions < <(pins js)
js_tools_stamp="$js_tools/versions"
if [ "$(cat "$js_tools_stamp" 2>/dev/null)" != "${js_tool_versions[*]}" ]; then
  echo "==> installing ${js_tool_versions[*]} into $js_tools"
  mkdir -p "$js_tools"
  [ -f "$js_tools/package.json" ] || echo '{"name": "fasthooks-js-tools", "private": true}' >"$js_tools/package.json"
  npm install --prefix "$js_tools" --no-audit --no-fund --loglevel=error --save-exact "${js_tool_versions[@]}"
  echo "${js_tool_versions[*]}" >"$js_tools_stamp"
fi
bin="$js_tools/node_modules/.bin"
mkdir -p target/js-build
echo "==> building JavaScript plugins: ${js_plugins[*]}"
for plugin in "${js_plugins[@]}"; do
  dir="plugins/$plugin"
  entry="$dir/app.js"
  [ -f "$dir/app.ts" ] && entry="$dir/app.ts"
  # Each time: a dependency added to package.json is installed before the bundle is made.
  [ -f "$dir/package.json" ] && npm install --prefix "$dir" --no-audit --no-fund --no-package-lock --loglevel=error >/dev/null
  [ -f "$dir/tsconfig.json" ] && "$bin/tsc" -p "$dir"
  # --platform=neutral reads no `main` field unless told: npm packages name their entry there.
  "$bin/esbuild" "$entry" --bundle --format=esm --platform=neutral --main-fields=module,main --conditions=fasthooks-component \
    --external:'fasthooks:*' --external:'wasi:*' --log-level=warning --outfile="target/js-build/$plugin.js"
  # Without HTTP: -d http leaves out the wasi:http imports the runtime adds by default, so the
  # plugin does not ask for --allow-http. -d fetch-event: a plugin serves no incoming requests.
  world=(--world-name plugin -d http)
  [[ "$js_http_plugins" == *" $plugin "* ]] && world=(--world-name plugin-http)
  "$bin/jco" componentize "target/js-build/$plugin.js" --wit wit "${world[@]}" -d fetch-event \
    -o "target/plugins/$plugin.wasm" >/dev/null
  echo "    target/plugins/$plugin.wasm ($(stat -c %s "target/plugins/$plugin.wasm") bytes)"
  # TypeScript unit tests, for node --test (Node 20 runs no TypeScript): bundled for Node,
  # without the component condition, so the SDK's native test mode is what they get.
  if [ -f "$dir/app.test.ts" ]; then
    mkdir -p target/js-test
    "$bin/esbuild" "$dir/app.test.ts" --bundle --format=esm --platform=node --log-level=warning \
      --outfile="target/js-test/$plugin.test.mjs"
  fi
done
