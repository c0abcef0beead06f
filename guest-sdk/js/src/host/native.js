// The host as plain Node sees it (the native test mode, like the seed's ImmediateBackend): an
// in-memory stand-in. A task added runs at once, in this process; `state` and `memory` live
// in maps; the agent answers with what the test gave `respondWith`; matchers are tested here
// with Claude Code's rules over the host's event table. `fasthooks-sdk/testing` drives it.

import v8 from 'node:v8';
import { HostError } from '../errors.js';
import { matcherSubject, matches } from '../events.js';
import { mergeResponses } from '../responses.js';

export const NATIVE = true;
/** The SDK's source directory: frames in it are not the plugin's (see describeError). */
export const SDK_DIR = new URL('..', import.meta.url).href;

// Matchers are JavaScript regular expressions; the host runs them in time linear in the
// subject, so a pattern that would backtrack for ever cannot hang a hook. V8's linear engine
// (the `l` flag) does the same here, for the same patterns (no look-around, no
// back-references: the host refuses those).
v8.setFlagsFromString('--enable-experimental-regexp-engine');
const linear = (text) => new RegExp(text, 'l');

const world = {
  session: 'test-session',
  tasks: new Map(), // session -> Map(key -> record)
  state: new Map(), // scope key ('global' or 'session:ID') -> Map(key -> value)
  notes: [],
  nextNote: 1,
  responder: undefined,
  logs: [],
  app: undefined, // the plugin whose tasks run here (set by testing.runEvent and runTask)
  running: new Set(), // promises of async tasks still running
};

/** Forget every task, state entry, note, responder and log line. */
export function reset() {
  world.session = 'test-session';
  world.tasks.clear();
  world.state.clear();
  world.notes = [];
  world.nextNote = 1;
  world.responder = undefined;
  world.logs = [];
  world.app = undefined;
  world.running.clear();
}

export function setSession(session) {
  world.session = session;
}

export function useApp(app) {
  world.app = app;
}

export function setResponder(responder) {
  world.responder = responder;
}

export function logLines() {
  return [...world.logs];
}

/** Resolves once every task started by an add has finished. */
export async function settle() {
  while (world.running.size > 0) await Promise.allSettled([...world.running]);
}

export function allTasks() {
  return [...(world.tasks.get(world.session)?.values() ?? [])].map(info);
}

function sessionTasks() {
  let tasks = world.tasks.get(world.session);
  if (!tasks) world.tasks.set(world.session, (tasks = new Map()));
  return tasks;
}

const info = (record) => ({ ...record });

// Task `name` of the plugin at once, through its exports (so a failure reads as it would from
// the host): {ok, value} or {ok: false, error}, or a promise of it for an async task.
function run(name, args) {
  const failed = (error) => ({ ok: false, error: String(error) });
  try {
    const value = world.app.exports().runTask(name, args);
    return typeof value?.then === 'function' ? value.then((v) => ({ ok: true, value: v }), failed) : { ok: true, value };
  } catch (error) {
    return failed(error);
  }
}

function finish(record, outcome) {
  if (record.status === 'cancelled') return;
  record.finishedAtMs = Date.now();
  if (outcome.ok) {
    record.status = 'completed';
    record.value = outcome.value;
  } else {
    record.status = 'failed';
    record.error = outcome.error;
  }
}

function cancelRecord(record) {
  if (!record || (record.status !== 'pending' && record.status !== 'running')) return false;
  record.status = 'cancelled';
  record.finishedAtMs = Date.now();
  return true;
}

function waited(keys) {
  const records = keys.map((key) => sessionTasks().get(key)).filter(Boolean);
  const running = records.find((r) => r.status === 'running');
  if (running) {
    throw new HostError('tasks.wait', `task ${running.key} is async and still running: in the native test mode a wait cannot block for it (test its result after runEvent returns)`);
  }
  return records.filter((r) => r.status === 'completed');
}

export const tasks = {
  add(name, args, options) {
    if (!world.app) {
      throw new HostError('tasks.add', 'no plugin to run the task: add tasks from a handler run by testing.runEvent');
    }
    const key = options.key ?? name;
    const now = Date.now();
    const record = { key, name, status: 'running', value: undefined, error: undefined, createdAtMs: now, startedAtMs: now, finishedAtMs: undefined, wake: false };
    const tasks = sessionTasks();
    const earlier = tasks.get(key);
    if (earlier) cancelRecord(earlier);
    tasks.set(key, record);
    const done = run(name, args);
    if (typeof done.then === 'function') {
      const running = done.then((outcome) => finish(record, outcome)).finally(() => world.running.delete(running));
      world.running.add(running);
    } else {
      finish(record, done);
    }
    return info(record);
  },
  pop(key) {
    const tasks = sessionTasks();
    const record = tasks.get(key);
    if (!record || record.status !== 'completed') return undefined;
    tasks.delete(key);
    return record.value;
  },
  get: (key) => {
    const record = sessionTasks().get(key);
    return record ? info(record) : undefined;
  },
  // As the host: a result ready to pop.
  has(key) {
    const records = key === undefined ? [...sessionTasks().values()] : [sessionTasks().get(key)].filter(Boolean);
    return records.some((r) => r.status === 'completed');
  },
  cancel: (key) => cancelRecord(sessionTasks().get(key)),
  cancelAll() {
    let cancelled = 0;
    for (const record of sessionTasks().values()) if (cancelRecord(record)) cancelled += 1;
    return cancelled;
  },
  popAll() {
    const out = [];
    for (const [key, record] of sessionTasks()) {
      if (record.status === 'completed') {
        out.push({ key, value: record.value });
        sessionTasks().delete(key);
      }
    }
    return out;
  },
  popErrors() {
    const out = [];
    for (const [key, record] of sessionTasks()) {
      if (record.status === 'failed') {
        out.push({ key, error: record.error });
        sessionTasks().delete(key);
      }
    }
    return out;
  },
  // A task here finishes inside `add`, unless it is async: a wait returns what is there, and
  // cannot wait for an async task still running (this process cannot block for it).
  wait: (key) => waited([key])[0]?.value,
  waitAll: (keys) => waited(keys).map((r) => ({ key: r.key, value: r.value })),
  waitAny: (keys) => {
    const [record] = waited(keys);
    return record ? { key: record.key, value: record.value } : undefined;
  },
  wake(key) {
    const record = sessionTasks().get(key);
    if (!record || record.status === 'cancelled') return false;
    record.wake = true;
    return true;
  },
};

function scope(name) {
  if (name !== 'session' && name !== 'global') throw new HostError('state', `unknown scope ${name}`);
  const id = name === 'global' ? 'global' : `session:${world.session}`;
  let entries = world.state.get(id);
  if (!entries) world.state.set(id, (entries = new Map()));
  return entries;
}

export const state = {
  get: (name, key) => scope(name).get(key),
  set: (name, key, value) => {
    scope(name).set(key, value);
  },
  delete: (name, key) => scope(name).delete(key),
  keys: (name) => [...scope(name).keys()],
};

const words = (text) => new Set(text.toLowerCase().match(/[\p{L}\p{N}_]+/gu) ?? []);

// Ranked by the number of query words a note shares: a stand-in for the host's BM25 index.
export const memory = {
  remember(text) {
    const id = world.nextNote++;
    world.notes.push({ id, text, sessionId: world.session, createdAtMs: Date.now() });
    return id;
  },
  search(query, limit) {
    const wanted = words(query);
    return world.notes
      .map((note) => ({ ...note, score: [...words(note.text)].filter((w) => wanted.has(w)).length }))
      .filter((note) => note.score > 0)
      .sort((a, b) => b.score - a.score || b.id - a.id)
      .slice(0, limit);
  },
  forget(id) {
    const before = world.notes.length;
    world.notes = world.notes.filter((note) => note.id !== id);
    return world.notes.length < before;
  },
};

export function agentQuery(request) {
  if (!world.responder) {
    throw new HostError('agent.query', 'no agent in the native test mode: give one with testing.respondWith(request => answer)');
  }
  const answer = world.responder(request);
  if (typeof answer !== 'string') throw new HostError('agent.query', 'the test responder must return a string');
  return answer;
}

export function log(level, message) {
  world.logs.push({ level, message });
}

export function matchedSubscriptions(subscriptions, raw) {
  const subject = matcherSubject(raw);
  const matched = [];
  subscriptions.forEach(({ event, matcher }, index) => {
    if ((event === '*' || event === raw.hook_event_name) && matches(raw.hook_event_name, matcher, subject, linear)) matched.push(index);
  });
  return matched;
}

export const merge = mergeResponses;
