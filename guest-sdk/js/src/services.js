// The host's services besides tasks: plugin state, the memory index, Claude sub-agents, the log.

import * as host from '#host';

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error'];

/** Into the host's log (tagged with plugin, session and event or task): level trace … error. */
export function log(level, message) {
  if (!LEVELS.includes(level)) throw new TypeError(`unknown log level ${level}: use one of ${LEVELS.join(', ')}`);
  host.log(level, String(message));
}

/**
 * A small persistent key-value store of this plugin, per session (`scope` 'session', the
 * default) or shared by its sessions ('global'). Values are strings; `getJson`/`setJson` keep
 * JSON values.
 */
export const state = {
  get: (key, scope = 'session') => host.state.get(scope, key),
  set: (key, value, scope = 'session') => host.state.set(scope, key, String(value)),
  delete: (key, scope = 'session') => host.state.delete(scope, key),
  keys: (scope = 'session') => host.state.keys(scope),
  getJson(key, scope = 'session') {
    const text = host.state.get(scope, key);
    return text === undefined ? undefined : JSON.parse(text);
  },
  setJson: (key, value, scope = 'session') => host.state.set(scope, key, JSON.stringify(value)),
};

/** The host's full-text index of this plugin's notes, across sessions (ranked by BM25). */
export const memory = {
  /** Keep a note; its id. */
  remember: (text) => host.memory.remember(String(text)),
  /** The best-ranked notes sharing words with `words`: [{id, text, sessionId, createdAtMs, score}]. */
  search: (words, limit = 5) => host.memory.search(String(words), limit),
  forget: (id) => host.memory.forget(id),
};

/**
 * A Claude sub-agent with fixed options (the plugin asks for --allow-agent; the user's grant
 * caps tools, turns and budget). `query(prompt)` returns its answer, or throws a HostError
 * (for example when a turn or budget limit is reached).
 */
export class Agent {
  constructor({ model, systemPrompt, allowedTools = [], maxTurns, maxBudgetUsd } = {}) {
    this.options = { model, systemPrompt, allowedTools: [...allowedTools], maxTurns, maxBudgetUsd };
  }

  query(prompt) {
    return host.agentQuery({ ...this.options, prompt: String(prompt) });
  }
}
