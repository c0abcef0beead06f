#!/usr/bin/env bash
# Benchmarks, each reported against a baseline measured in the same run:
#  1. hook round trip as Claude Code pays for it, vs /bin/true fed the same stdin
#     (through the warm daemon, and in-process), and against the shell form, a plain shell
#     hook and the Python fasthooks 0.1.4 (pinned, in target/bench-venv); the http transport,
#     in absolute time and vs /bin/true;
#     (with BASELINE_BIN=DIR, an earlier build's binaries are measured in the same run too);
#  2. durable background task throughput vs the raw "fresh instance + call" rate, and the
#     wake-up latency of a waiter after its task completes;
#  3. the daemon's memory with every example plugin loaded, compiled in a child process (the
#     default) vs compiled in the daemon itself, and on a warm cache;
#  4. the first hook after a rebuild per language (Rust, Python, JavaScript), compiled by
#     Cranelift vs Winch, and how much slower Winch's code answers once warm.
# Everything it prints is also written to bench/RESULTS.md, with the machine and the commit.
set -euo pipefail
cd "$(dirname "$0")/.."
results="$(mktemp)"
exec 3>&1 > >(tee "$results")
tee_pid=$!
./scripts/build.sh >/dev/null
cargo build --quiet --release -p fasthooks-bench

export FASTHOOKS_HOME="$(mktemp -d)"
trap 'target/release/fasthooks-host daemon stop >/dev/null 2>&1 || true; rm -rf "$FASTHOOKS_HOME"' EXIT
host="$PWD/target/release/fasthooks-host"
engine="$PWD/target/release/fasthooks-engine"
guard="$PWD/target/plugins/guard.wasm"
event="$PWD/tests/fixtures/2.1.332/PreToolUse.json"
iterations="${ITERATIONS:-300}"

echo "== 1. hook round trip: PreToolUse (Bash), guard plugin"
echo "-- through the daemon (the default; first call starts it)"
if [ -n "${BASELINE_BIN:-}" ]; then
  # Before/after in one run: an earlier build (its fasthooks-host and fasthooks-engine in
  # BASELINE_BIN, its guard in BASELINE_PLUGIN or this one), interleaved with this build, each
  # with a daemon of its own.
  baseline_plugin="${BASELINE_PLUGIN:-$guard}"
  mkdir -p "$FASTHOOKS_HOME/baseline" "$FASTHOOKS_HOME/current"
  echo "   (first: baseline $BASELINE_BIN; second: this build)"
  ./target/release/roundtrip --iterations "$iterations" "$event" \
    -- "$BASELINE_BIN/fasthooks-host" --home "$FASTHOOKS_HOME/baseline" --plugin "$baseline_plugin" \
    -- "$host" --home "$FASTHOOKS_HOME/current" --plugin "$guard"
  "$BASELINE_BIN/fasthooks-host" daemon stop --home "$FASTHOOKS_HOME/baseline" >/dev/null 2>&1 || true
  "$host" daemon stop --home "$FASTHOOKS_HOME/current" >/dev/null 2>&1 || true
else
  ./target/release/roundtrip --iterations "$iterations" "$event" -- "$host" --plugin "$guard"
fi
echo "-- the same hook against other ways to write it (1: fasthooks-host through the daemon,"
echo "   exec form; 2: the same in the shell form Claude Code runs without \"args\", sh -c;"
echo "   3: a plain shell hook with the same rule; 4: the Python framework fasthooks 0.1.4)"
venv="$PWD/target/bench-venv"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import fasthooks' 2>/dev/null; then
  python3 -m venv "$venv" >/dev/null
  "$venv/bin/pip" install --quiet fasthooks==0.1.4 >&2
fi
shell_hook='input=$(cat); case "$input" in *"rm -rf /"*) echo "{\"decision\":\"block\",\"reason\":\"Dangerous command\"}";; esac'
./target/release/roundtrip --iterations "$iterations" "$event" \
  -- "$host" --plugin "$guard" \
  -- /bin/sh -c "$host --plugin $guard" \
  -- /bin/sh -c "$shell_hook" \
  -- "$venv/bin/python" "$PWD/bench/hooks/fasthooks_deny.py"
echo "-- the http transport (no process per hook: Claude Code posts to the daemon)"
http_port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
# The URL as install writes it (signed with this home's key), into a scratch project.
http_project="$FASTHOOKS_HOME/http-project"
mkdir -p "$http_project"
"$host" install --plugin "$guard" --local --transport http --http-port "$http_port" \
  --project-dir "$http_project" >/dev/null
http_url="$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["hooks"]["PreToolUse"][0]["hooks"][0]["url"])' \
  "$http_project/.claude/settings.local.json")"
./target/release/http_roundtrip --iterations "$iterations" "$event" "$http_url"
rm "$FASTHOOKS_HOME/data/http-port"
"$host" daemon stop >/dev/null
echo "-- in-process (the engine alone, as in the fallback path)"
./target/release/roundtrip --iterations "$iterations" "$event" -- "$engine" --inline --plugin "$guard"

echo
echo "== 2. background tasks: task-lab 'noop', fresh instance each"
./target/release/tasks "$PWD/target/plugins/task-lab.wasm" --tasks "${TASKS:-20000}" --task noop --args '""'

echo
echo "== 3. daemon memory (RSS) with every example plugin loaded, $(nproc) cores"
# One hook naming every example plugin loads (and, with a cold cache, compiles) them all. Three
# daemons, each measured right after that hook: compiling in the daemon itself (the baseline,
# FASTHOOKS_COMPILE_IN_PROCESS=1), compiling in a child process (the default), and a daemon
# started on the warm cache the others filled.
examples="guard review memory docs-prefetch analyze task-lab house-rules secrets-py commit-style-js"
plugin_args=()
for name in $examples; do plugin_args+=(--plugin "$PWD/target/plugins/$name.wasm"); done
session_start='{"session_id":"bench","cwd":"/tmp","hook_event_name":"SessionStart","source":"startup","transcript_path":"/tmp/bench.jsonl"}'
daemon_memory_kib() { # → "VmRSS RssAnon" of the running daemon
  local pid
  pid="$("$host" daemon status | awk '{print $3}' | tr -d ,)"
  awk '/^VmRSS:/ {rss = $2} /^RssAnon:/ {anon = $2} END {print rss, anon}' "/proc/$pid/status"
}
measure() { # HOME_DIR IN_PROCESS → "rss_kib anon_kib seconds"
  local started ended
  started="$(date +%s.%N)"
  FASTHOOKS_HOME="$1" FASTHOOKS_COMPILE_IN_PROCESS="$2" "$host" "${plugin_args[@]}" <<<"$session_start" >/dev/null 2>&1 || true
  ended="$(date +%s.%N)"
  echo "$(FASTHOOKS_HOME="$1" daemon_memory_kib) $(awk -v a="$started" -v b="$ended" 'BEGIN {printf "%.2f", b - a}')"
  FASTHOOKS_HOME="$1" "$host" daemon stop >/dev/null 2>&1 || true
}
in_daemon_home="$FASTHOOKS_HOME/rss-in-daemon"
child_home="$FASTHOOKS_HOME/rss-child"
mkdir -p "$in_daemon_home" "$child_home"
read -r in_daemon in_daemon_anon in_daemon_s < <(measure "$in_daemon_home" 1)
read -r child child_anon child_s < <(measure "$child_home" 0)
read -r warm warm_anon warm_s < <(measure "$child_home" 0)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
mib() { echo "$(($1 / 1024)) MiB"; }
echo "   (RSS, and in brackets its private part, RssAnon; the rest is the mapped compiled code,"
echo "   page cache the kernel reclaims when it needs to)"
echo "   compiled in the daemon (baseline): $(mib "$in_daemon") ($(mib "$in_daemon_anon")), first hook ${in_daemon_s} s"
echo "   compiled in a child process:       $(mib "$child") ($(mib "$child_anon")): $(ratio "$child" "$in_daemon")x the baseline ($(ratio "$child_anon" "$in_daemon_anon")x private), first hook ${child_s} s ($(ratio "$child_s" "$in_daemon_s")x)"
echo "   a daemon on the warm cache:        $(mib "$warm") ($(mib "$warm_anon")) after the same hook, which loads only the plugins"
echo "                                      subscribed to SessionStart; first hook ${warm_s} s"

echo
echo "== 4. first hook after a rebuild, per language: Cranelift (the default) vs Winch"
echo "   (FASTHOOKS_COMPILER=winch, wasmtime's baseline compiler: what a first tier would give),"
echo "   each on a cold cache (the compile in a child process included), then the same hook warm"
write_event="$(mktemp)"
cat > "$write_event" <<'JSON'
{"session_id":"bench","cwd":"/tmp","hook_event_name":"PreToolUse","tool_name":"Write","tool_input":{"file_path":"/tmp/a.py","content":"AKIAABCDEFGHIJKLMNOP = 1\n"},"tool_use_id":"t","transcript_path":"/tmp/bench.jsonl"}
JSON
first_hook() { # HOME COMPILER PLUGIN EVENT_FILE → seconds
  local started ended
  started="$(date +%s.%N)"
  FASTHOOKS_HOME="$1" FASTHOOKS_COMPILER="$2" "$host" --plugin "$3" <"$4" >/dev/null 2>&1 || true
  ended="$(date +%s.%N)"
  awk -v a="$started" -v b="$ended" 'BEGIN {printf "%.2f", b - a}'
}
for language in "rust guard $event" "python secrets-py $write_event" "javascript commit-style-js $event"; do
  read -r lang name hook_event <<<"$language"
  plugin="$PWD/target/plugins/$name.wasm"
  cranelift_home="$FASTHOOKS_HOME/tier-cranelift-$name"
  winch_home="$FASTHOOKS_HOME/tier-winch-$name"
  mkdir -p "$cranelift_home" "$winch_home"
  cranelift_s="$(first_hook "$cranelift_home" cranelift "$plugin" "$hook_event")"
  winch_s="$(first_hook "$winch_home" winch "$plugin" "$hook_event")"
  echo "   $lang ($name): first hook Cranelift ${cranelift_s} s, Winch ${winch_s} s ($(awk -v a="$winch_s" -v b="$cranelift_s" 'BEGIN {printf "%.2f", a / b}')x)"
  warm="$(./target/release/roundtrip --iterations 100 "$hook_event" \
    -- "$host" --home "$cranelift_home" --plugin "$plugin" \
    -- env FASTHOOKS_COMPILER=winch "$host" --home "$winch_home" --plugin "$plugin" | tail -1)"
  warm="${warm#command 2 takes }"
  echo "     warm: the hook on Winch's code takes ${warm% as long as command 1} as long as on Cranelift's"
  FASTHOOKS_HOME="$cranelift_home" "$host" daemon stop >/dev/null 2>&1 || true
  FASTHOOKS_HOME="$winch_home" "$host" daemon stop >/dev/null 2>&1 || true
done
rm -f "$write_event"

# bench/RESULTS.md: this run, as printed, with what it ran on.
exec 1>&3 3>&-
wait "$tee_pid" 2>/dev/null || true
{
  echo "# Benchmark results"
  echo
  echo "\`./scripts/bench.sh\` on $(date -u +%Y-%m-%d), commit $(git rev-parse --short HEAD)$(git diff --quiet || echo ' with local changes'),"
  echo "$(nproc) cores ($(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)). Every figure is measured against a"
  echo "baseline taken in the same run; figures move by 10–30% from run to run, ratios less."
  echo
  echo '```text'
  cat "$results"
  echo '```'
} > bench/RESULTS.md
rm -f "$results"
