// docs-prefetch: the seed's rate-limited documentation fetches, in JavaScript.
//
// - PreToolUse WebFetch: queues `fetch_documentation(url)` under the key `doc:<url>`, kept 600 s,
//   unless this session is fetching that URL already or fetched it in the last 600 s (the seed's
//   cache; a failed fetch may be tried again), or its host has had MAX_PER_MINUTE fetches in
//   the last minute (the rate limit, across sessions, in the plugin's global state). Both are
//   one state entry each, pruned as they are written, so they stay small.
// - The task fetches the page with the standard fetch (the host sends it only under the user's
//   --allow-http grants) and keeps its first 5,000 characters.
// - PostToolUse WebFetch (that URL's result, if ready) and UserPromptSubmit (every result ready)
//   add them as context: "Documentation prefetched from URL:".
//
// Built against the plugin-http world (wasi:http imported), so it asks for --allow-http.

import { add, get, pop, popAll } from 'fasthooks:hooks/tasks@0.1.3';
import { get as stateGet, set as stateSet } from 'fasthooks:hooks/state@0.1.3';
import { log } from 'fasthooks:hooks/log@0.1.3';

const TTL_SECONDS = 600;
const MAX_CHARS = 5000;
const MAX_PER_MINUTE = 10;
const TASK = 'fetch_documentation';

export function describe() {
  return {
    name: 'docs-prefetch',
    version: '0.1.0',
    subscriptions: [
      { event: 'PreToolUse', matcher: 'WebFetch' },
      { event: 'PostToolUse', matcher: 'WebFetch' },
      { event: 'UserPromptSubmit', matcher: '' },
    ],
    capabilities: [],
  };
}

function section(value) {
  const doc = JSON.parse(value);
  return `Documentation prefetched from ${doc.url}:\n${doc.text}`;
}

// A state entry holding a JSON object of name -> value, with the entries `keep` rejects pruned.
function readMap(scope, key, keep) {
  const text = stateGet(scope, key);
  const map = text ? JSON.parse(text) : {};
  for (const name of Object.keys(map)) if (!keep(map[name])) delete map[name];
  return map;
}

function prefetch(url) {
  const key = `doc:${url}`;
  const known = get(key);
  if (known && (known.status === 'pending' || known.status === 'running')) return;
  let host;
  try {
    host = new URL(url).host;
  } catch {
    return;
  }
  const now = Date.now();
  // URL -> when this session last fetched it; a failed fetch does not count.
  const fetched = readMap('session', 'fetched', (at) => now - at < TTL_SECONDS * 1000);
  if (fetched[url] && !(known && known.status === 'failed')) return;
  // host -> the times of its fetches in the last minute, every session of this plugin.
  const rate = readMap('global', 'rate', (times) => times.some((t) => now - t < 60_000));
  const recent = (rate[host] ?? []).filter((t) => now - t < 60_000);
  if (recent.length >= MAX_PER_MINUTE) {
    log('info', `not prefetching ${url}: ${host} had ${MAX_PER_MINUTE} fetches in the last minute`);
    return;
  }
  add(TASK, JSON.stringify(url), { key, ttlSeconds: TTL_SECONDS, priority: undefined });
  rate[host] = [...recent, now];
  fetched[url] = now;
  stateSet('global', 'rate', JSON.stringify(rate));
  stateSet('session', 'fetched', JSON.stringify(fetched));
}

export function handle(event) {
  const raw = JSON.parse(event.rawJson);
  if (event.name === 'PreToolUse') {
    const url = raw.tool_input?.url;
    if (typeof url === 'string') prefetch(url);
    return {};
  }
  let values = [];
  if (event.name === 'PostToolUse') {
    const url = raw.tool_input?.url;
    const value = typeof url === 'string' ? pop(`doc:${url}`) : undefined;
    if (value !== undefined && value !== null) values = [value];
  } else {
    values = popAll()
      .filter((output) => output.key.startsWith('doc:'))
      .map((output) => output.value);
  }
  if (values.length === 0) return {};
  return { additionalContext: values.map(section).join('\n\n') };
}

// The runtime's fetch hands a 3xx back as it came; follow it (each hop is checked by the host).
async function follow(url) {
  for (let hop = 0; ; hop++) {
    const response = await fetch(url, { headers: { 'x-fasthooks-prefetch': '1' } });
    const location = response.headers.get('location');
    if (![301, 302, 303, 307, 308].includes(response.status) || !location || hop === 5) {
      return { url, response };
    }
    url = new URL(location, url).href;
  }
}

export async function runTask(name, args) {
  if (name !== TASK) throw `docs-prefetch has no task ${name}`;
  const { url, response } = await follow(JSON.parse(args));
  if (response.status >= 400) throw `${url} answered ${response.status}`;
  const text = (await response.text()).slice(0, MAX_CHARS);
  return JSON.stringify({ url, text });
}
