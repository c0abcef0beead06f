// The task API of one session, the seed's: add, pop, get, has, cancel, cancelAll, popAll,
// popErrors, wait, waitAll, waitAny, and wake. Arguments and results travel as JSON. A task
// that returned nothing gives `null`; "nothing there (yet)" is `undefined`.

import * as host from '#host';
import { PluginError } from './errors.js';

/** Whether `value` is a promise (or any thenable): an async handler's or task's result. */
export const isThenable = (value) => value !== null && typeof value === 'object' && typeof value.then === 'function';

export const TaskStatus = Object.freeze({
  PENDING: 'pending',
  RUNNING: 'running',
  COMPLETED: 'completed',
  FAILED: 'failed',
  CANCELLED: 'cancelled',
});

/** A background task: a function the host runs in a fresh instance of the plugin. */
export class Task {
  constructor(name, fn, { ttl = 300, priority = 0, transform } = {}) {
    if (typeof name !== 'string' || name === '') throw new PluginError('a task needs a name: app.task("name", fn)');
    if (typeof fn !== 'function') throw new PluginError(`task ${name}: its function is ${typeof fn}`);
    this.name = name;
    this.fn = fn;
    this.ttl = ttl;
    this.priority = priority;
    this.transform = transform;
  }

  /**
   * Run the task here (what the host's fresh instance does with the arguments of an add): its
   * value, or a promise of it when the function is async.
   */
  run(args) {
    const result = this.fn(...args);
    const finish = (value) => (this.transform ? this.transform(value) : value);
    return isThenable(result) ? result.then(finish) : finish(result);
  }
}

const keyOf = (taskOrKey) => (taskOrKey instanceof Task ? taskOrKey.name : String(taskOrKey));
const decode = (text) => (text === undefined ? undefined : JSON.parse(text));
const ms = (value, name) => {
  if (!Number.isFinite(value) || value < 0) throw new PluginError(`${name} must be a number of milliseconds ≥ 0`);
  return Math.min(Math.floor(value), 2 ** 32 - 1);
};
const OPTIONS = new Set(['key', 'ttl', 'priority', 'wake']);

function decodeInfo(info) {
  if (info === undefined) return undefined;
  return { ...info, value: decode(info.value) };
}

export class Tasks {
  /** Queue `task(...args)`; returns at once with its info (key, name, status, …). */
  add(task, ...args) {
    return this.addWith(task, {}, ...args);
  }

  /**
   * Queue `task(...args)` with call options kept apart from its arguments: `key` (default the
   * task's name; re-adding a key replaces the earlier task), `ttl` seconds, `priority`, and
   * `wake: true` (its result wakes Claude if it lands after Claude stopped).
   */
  addWith(task, options, ...args) {
    if (!(task instanceof Task)) throw new PluginError('tasks.add takes a task made by app.task(name, fn)');
    for (const name of Object.keys(options ?? {})) {
      if (!OPTIONS.has(name)) throw new PluginError(`tasks.addWith: unknown option ${name} (key, ttl, priority, wake)`);
    }
    const { key, ttl = task.ttl, priority = task.priority, wake = false } = options ?? {};
    const payload = JSON.stringify({ args });
    const added = host.tasks.add(task.name, payload, { key, ttlSeconds: ttl, priority });
    if (wake) this.wake(added.key);
    return decodeInfo(added);
  }

  /** Mark a task so its result wakes Claude when it lands after Claude stopped; false if there is none. */
  wake(taskOrKey) {
    return host.tasks.wake(keyOf(taskOrKey));
  }

  /** The result, removed from the store; undefined when not finished (or there is none). */
  pop(taskOrKey) {
    return decode(host.tasks.pop(keyOf(taskOrKey)));
  }

  /** {key, name, status (TaskStatus), value, error, createdAtMs, startedAtMs, finishedAtMs}, or undefined. */
  get(taskOrKey) {
    return decodeInfo(host.tasks.get(keyOf(taskOrKey)));
  }

  /** Whether the task's result (or, without a key, any result of the session) is ready to pop. */
  has(taskOrKey) {
    return host.tasks.has(taskOrKey === undefined ? undefined : keyOf(taskOrKey));
  }

  cancel(taskOrKey) {
    return host.tasks.cancel(keyOf(taskOrKey));
  }

  cancelAll() {
    return host.tasks.cancelAll();
  }

  /** Every completed result, removed: {key: value}. */
  popAll() {
    return Object.fromEntries(host.tasks.popAll().map(({ key, value }) => [key, decode(value)]));
  }

  /** Every failure, removed: [[key, error], …]. */
  popErrors() {
    return host.tasks.popErrors().map(({ key, error }) => [key, error]);
  }

  /** Wait up to `timeoutMs` for the result (kept in the store); undefined if it did not complete. */
  wait(taskOrKey, timeoutMs = 30_000) {
    return decode(host.tasks.wait(keyOf(taskOrKey), ms(timeoutMs, 'timeoutMs')));
  }

  /** Wait for all of them: {key: value} of those that completed. */
  waitAll(keys, timeoutMs = 30_000) {
    const done = host.tasks.waitAll(keys.map(keyOf), ms(timeoutMs, 'timeoutMs'));
    return Object.fromEntries(done.map(({ key, value }) => [key, decode(value)]));
  }

  /** The first to complete, as [key, value]; undefined if none did. */
  waitAny(keys, timeoutMs = 30_000) {
    const done = host.tasks.waitAny(keys.map(keyOf), ms(timeoutMs, 'timeoutMs'));
    return done ? [done.key, decode(done.value)] : undefined;
  }
}
