// http-probe-js: the JavaScript twin of plugins/http-probe, for the --allow-http tests of
// JavaScript plugins. On a prompt `GET URL` or `POST URL BODY` it calls the standard `fetch`
// (built against the `plugin-http` world, so the runtime's fetch goes through wasi:http) and
// answers with `status=N url=FINAL bytes=N body=TEXT` or `error: WHY` as context.

export function describe() {
  return {
    name: 'http-probe-js',
    version: '0.1.0',
    subscriptions: [{ event: 'UserPromptSubmit', matcher: '' }],
    capabilities: [],
  };
}

// The runtime's fetch (StarlingMonkey) hands a 3xx back as it came instead of following it, so
// redirects are followed here, at most 5; the host checks every hop against the grants.
async function follow(url, init) {
  for (let hop = 0; ; hop++) {
    const response = await fetch(url, init);
    const location = response.headers.get('location');
    if (![301, 302, 303, 307, 308].includes(response.status) || !location || hop === 5) {
      return { status: response.status, url, text: () => response.text() };
    }
    url = new URL(location, url).href;
    if (response.status === 303) init = { ...init, method: 'GET', body: undefined };
  }
}

// An async export: componentize-js runs the event loop until the promise settles.
export async function handle(event) {
  const prompt = (JSON.parse(event.rawJson).prompt ?? '').trim();
  const [method, url, ...rest] = prompt.split(' ');
  if (!['GET', 'POST'].includes(method) || !url) return {};
  try {
    const init = { method, headers: { 'x-probe': '1' } };
    if (method === 'POST') init.body = rest.join(' ');
    const response = await follow(url, init);
    const text = await response.text();
    const bytes = new TextEncoder().encode(text).length;
    return {
      additionalContext: `status=${response.status} url=${response.url} bytes=${bytes} body=${text.slice(0, 200)}`,
    };
  } catch (err) {
    return { additionalContext: `error: ${err}` };
  }
}

export function runTask(name, _args) {
  throw `http-probe-js has no task ${name}`;
}

export function taskNames() {
  return [];
}
