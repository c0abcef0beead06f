#!/usr/bin/env bash
# Install the Claude Code CLI that the end-to-end suite (tests/claude.rs) drives, into
# target/claude-code/ (a local npm prefix: nothing global changes). Pinned: 2.1.197 is the last
# release whose engines accept Node 20. Does nothing when that version is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

version="2.1.197"
prefix="$PWD/target/claude-code"
package="$prefix/node_modules/@anthropic-ai/claude-code/package.json"
bin="$prefix/node_modules/.bin/claude"

installed() {
  [ -x "$bin" ] && [ -f "$package" ] &&
    [ "$(node -p "require(process.argv[1]).version" "$package" 2>/dev/null)" = "$version" ]
}

if installed; then
  echo "==> Claude Code $version already in ${prefix#$PWD/}"
  exit 0
fi
for tool in node npm; do
  if ! command -v "$tool" >/dev/null; then
    echo "install-claude.sh: $tool is missing (install Node.js 20 and npm first)" >&2
    exit 1
  fi
done
echo "==> installing @anthropic-ai/claude-code@$version into ${prefix#$PWD/}"
mkdir -p "$prefix"
# A package.json of its own, so that npm does not walk up into another project.
[ -f "$prefix/package.json" ] || echo '{"name": "fasthooks-claude-code", "private": true}' >"$prefix/package.json"
npm install --prefix "$prefix" --no-audit --no-fund --loglevel=error --save-exact \
  "@anthropic-ai/claude-code@$version"
if ! installed; then
  echo "install-claude.sh: $bin is missing after npm install" >&2
  exit 1
fi
echo "    ${bin#$PWD/}"
