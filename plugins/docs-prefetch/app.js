// docs-prefetch: the seed's rate-limited documentation fetches, in JavaScript on fasthooks-sdk.
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

import { context, HookApp, log, state } from 'fasthooks-sdk';

const TTL_SECONDS = 600;
const MAX_CHARS = 5000;
const MAX_PER_MINUTE = 10;

export const app = new HookApp('docs-prefetch', '0.1.0');

// The runtime's fetch hands a 3xx back as it came; follow it, at most 5 times (each hop is
// checked by the host).
async function follow(url) {
  for (let hop = 0; hop <= 5; hop++) {
    const response = await fetch(url, { headers: { 'x-fasthooks-prefetch': '1' } });
    const location = response.headers.get('location');
    if (![301, 302, 303, 307, 308].includes(response.status) || !location) {
      // (A runtime that follows redirects itself names the final URL in response.url.)
      return { url: response.url || url, response };
    }
    url = new URL(location, url).href;
  }
  throw `more than 5 redirects from ${url}`;
}

export const fetchDocumentation = app.task(
  'fetch_documentation',
  async (url) => {
    const { url: final, response } = await follow(url);
    if (response.status >= 400) throw `${final} answered ${response.status}`;
    return { url: final, text: (await response.text()).slice(0, MAX_CHARS) };
  },
  { ttl: TTL_SECONDS },
);

// A state entry holding a JSON object of name -> value, with the entries `keep` rejects pruned.
function readMap(key, scope, keep) {
  const map = state.getJson(key, scope) ?? {};
  for (const name of Object.keys(map)) if (!keep(map[name])) delete map[name];
  return map;
}

app.preTool('WebFetch', (event, tasks) => {
  const url = event.url;
  if (typeof url !== 'string') return;
  const key = `doc:${url}`;
  const known = tasks.get(key);
  if (known && (known.status === 'pending' || known.status === 'running')) return;
  let host;
  try {
    host = new URL(url).host;
  } catch {
    return;
  }
  const now = Date.now();
  // URL -> when this session last fetched it; a failed fetch does not count.
  const fetched = readMap('fetched', 'session', (at) => now - at < TTL_SECONDS * 1000);
  if (fetched[url] && !(known && known.status === 'failed')) return;
  // host -> the times of its fetches in the last minute, every session of this plugin.
  const rate = readMap('rate', 'global', (times) => times.some((t) => now - t < 60_000));
  const recent = (rate[host] ?? []).filter((t) => now - t < 60_000);
  if (recent.length >= MAX_PER_MINUTE) {
    log('info', `not prefetching ${url}: ${host} had ${MAX_PER_MINUTE} fetches in the last minute`);
    return;
  }
  tasks.addWith(fetchDocumentation, { key }, url);
  rate[host] = [...recent, now];
  fetched[url] = now;
  state.setJson('rate', rate, 'global');
  state.setJson('fetched', fetched, 'session');
});

const section = (doc) => `Documentation prefetched from ${doc.url}:\n${doc.text}`;

app.postTool('WebFetch', (event, tasks) => {
  const doc = typeof event.url === 'string' ? tasks.pop(`doc:${event.url}`) : undefined;
  return doc ? context(section(doc)) : undefined;
});

app.onPrompt((_event, tasks) => {
  const docs = Object.entries(tasks.popAll())
    .filter(([key]) => key.startsWith('doc:'))
    .map(([, doc]) => section(doc));
  return docs.length > 0 ? context(docs.join('\n\n')) : undefined;
});

export const { describe, handle, runTask, taskNames } = app.exports();
