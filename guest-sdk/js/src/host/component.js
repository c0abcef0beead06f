// The host as a plugin built into a component sees it: the WIT imports of fasthooks:hooks,
// with jco's conventions turned into plain JavaScript once, here: 64-bit integers (BigInt)
// become numbers, `none` is undefined, and a host's `err` becomes a HostError naming the call.
//
// Chosen by the package's `#host` import under the `fasthooks-component` condition (the build
// passes it to esbuild); plain Node gets ./native.js instead.

import {
  add,
  cancel,
  cancelAll,
  get,
  has,
  pop,
  popAll,
  popErrors,
  wait,
  waitAll,
  waitAny,
  wake,
} from 'fasthooks:hooks/tasks@0.1.4';
import {
  delete as stateDelete,
  get as stateGet,
  keys as stateKeys,
  set as stateSet,
} from 'fasthooks:hooks/state@0.1.4';
import { forget, remember, search } from 'fasthooks:hooks/memory@0.1.4';
import { query } from 'fasthooks:hooks/agent@0.1.4';
import { log as hostLog } from 'fasthooks:hooks/log@0.1.4';
import { matchedSubscriptions as hostMatched, merge as hostMerge } from 'fasthooks:hooks/routing@0.1.4';
import { HostError } from '../errors.js';

export const NATIVE = false;
// A component is one bundle: no file of it is the SDK's alone. (Its runtime also aborts on
// `import.meta.url`, so nothing here may ask for it.)
export const SDK_DIR = '';

function call(name, fn, ...args) {
  try {
    return fn(...args);
  } catch (err) {
    throw new HostError(name, reason(err));
  }
}

// What the host said, whichever way the binding carries it.
function reason(err) {
  if (typeof err === 'string') return err;
  if (err && typeof err.payload === 'string') return err.payload;
  if (err && typeof err.message === 'string') return err.message;
  return String(err);
}

const number = (value) => (value === undefined || value === null ? undefined : Number(value));

function info(raw) {
  if (raw === undefined || raw === null) return undefined;
  return {
    key: raw.key,
    name: raw.name,
    status: raw.status,
    value: raw.value ?? undefined,
    error: raw.error ?? undefined,
    createdAtMs: number(raw.createdAtMs),
    startedAtMs: number(raw.startedAtMs),
    finishedAtMs: number(raw.finishedAtMs),
  };
}

const outputs = (list) => Array.from(list, ({ key, value }) => ({ key, value }));

export const tasks = {
  // `run` is the native host's: here the host runs the task, in a fresh instance.
  add: (name, args, options, _run) =>
    info(
      call('tasks.add', add, name, args, {
        key: options.key,
        ttlSeconds: options.ttlSeconds,
        priority: options.priority,
      }),
    ),
  pop: (key) => call('tasks.pop', pop, key) ?? undefined,
  get: (key) => info(call('tasks.get', get, key)),
  has: (key) => call('tasks.has', has, key),
  cancel: (key) => call('tasks.cancel', cancel, key),
  cancelAll: () => call('tasks.cancel-all', cancelAll),
  popAll: () => outputs(call('tasks.pop-all', popAll)),
  popErrors: () => Array.from(call('tasks.pop-errors', popErrors), ({ key, error }) => ({ key, error })),
  wait: (key, ms) => call('tasks.wait', wait, key, ms) ?? undefined,
  waitAll: (keys, ms) => outputs(call('tasks.wait-all', waitAll, keys, ms)),
  waitAny: (keys, ms) => {
    const done = call('tasks.wait-any', waitAny, keys, ms);
    return done ? { key: done.key, value: done.value } : undefined;
  },
  wake: (key) => call('tasks.wake', wake, key),
};

export const state = {
  get: (scope, key) => call('state.get', stateGet, scope, key) ?? undefined,
  set: (scope, key, value) => {
    call('state.set', stateSet, scope, key, value);
  },
  delete: (scope, key) => call('state.delete', stateDelete, scope, key),
  keys: (scope) => Array.from(call('state.keys', stateKeys, scope)),
};

export const memory = {
  remember: (text) => Number(call('memory.remember', remember, text)),
  search: (words, limit) =>
    Array.from(call('memory.search', search, words, limit), (note) => ({
      id: Number(note.id),
      text: note.text,
      sessionId: note.sessionId,
      createdAtMs: Number(note.createdAtMs),
      score: note.score,
    })),
  forget: (id) => call('memory.forget', forget, BigInt(id)),
};

export function agentQuery(request) {
  return call('agent.query', query, {
    prompt: request.prompt,
    model: request.model,
    systemPrompt: request.systemPrompt,
    allowedTools: request.allowedTools ?? [],
    maxTurns: request.maxTurns,
    maxBudgetUsd: request.maxBudgetUsd,
  });
}

export function log(level, message) {
  hostLog(level, message);
}

// The host tested the subscriptions' matchers (the same code for every language).
export function matchedSubscriptions(_subscriptions, _event) {
  return Array.from(hostMatched());
}

export function merge(responses) {
  return call('routing.merge', hostMerge, responses);
}
