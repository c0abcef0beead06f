// What a handler answers. A response is a plain object with any of: decision ('allow', 'deny',
// 'ask', 'block', 'defer'), reason, context, updatedInput (an object: the rewritten tool
// input), systemMessage, stopReason. Returning nothing means "no opinion".

import { PluginError } from './errors.js';

const DECISIONS = ['allow', 'deny', 'ask', 'block', 'defer'];

/** No objection (Claude Code's own permission flow runs); optionally a message to the user and a rewritten tool input. */
export const allow = ({ message, updatedInput } = {}) => ({ systemMessage: message, updatedInput });
/** Let the call through without a permission prompt. */
export const approve = (reason) => ({ decision: 'allow', reason });
export const deny = (reason) => ({ decision: 'deny', reason });
export const ask = (reason) => ({ decision: 'ask', reason });
/** Stop/SubagentStop: keep Claude working; UserPromptSubmit: drop the prompt; PostToolUse: tell Claude. */
export const block = (reason) => ({ decision: 'block', reason });
/** Pause the turn for the user to decide (Claude Code's `defer`; it outranks ask). */
export const defer = (reason) => ({ decision: 'defer', reason });
/** Extra context for Claude. */
export const context = (text) => ({ context: text });
/** Stop Claude after this hook. */
export const stop = (reason) => ({ stopReason: reason });

/** A handler's answer as the WIT `response` record (jco's shape); throws for a malformed one. */
const FIELDS = new Set(['decision', 'reason', 'context', 'updatedInput', 'systemMessage', 'stopReason']);

export function toWit(response) {
  if (response === undefined || response === null) return {};
  if (typeof response !== 'object') {
    throw new PluginError(`a handler returned ${typeof response}: return a response (allow(), deny(reason), context(text), …) or nothing`);
  }
  const unknown = Object.keys(response).filter((field) => !FIELDS.has(field));
  if (unknown.length > 0) {
    throw new PluginError(`a handler's response has unknown field ${unknown[0]}: the fields are ${[...FIELDS].join(', ')}`);
  }
  const { decision, reason, context: text, updatedInput, systemMessage, stopReason } = response;
  if (decision !== undefined && !DECISIONS.includes(decision)) {
    throw new PluginError(`unknown decision ${JSON.stringify(decision)}: use one of ${DECISIONS.join(', ')}`);
  }
  const wit = {};
  if (decision !== undefined) wit.decision = decision;
  if (reason !== undefined && reason !== null) wit.reason = String(reason);
  if (text !== undefined && text !== null) wit.additionalContext = String(text);
  if (updatedInput !== undefined && updatedInput !== null) wit.updatedInput = JSON.stringify(updatedInput);
  if (systemMessage !== undefined && systemMessage !== null) wit.systemMessage = String(systemMessage);
  if (stopReason !== undefined && stopReason !== null) wit.stopReason = String(stopReason);
  return wit;
}

export const isBlocking = (wit) => wit.decision === 'deny' || wit.decision === 'block';

const PRECEDENCE = { allow: 1, ask: 2, defer: 3, deny: 4, block: 4 };

/**
 * The host's merge rule, for the native test mode only (a plugin in a component asks the host,
 * `routing.merge`): the strongest decision with its reason, contexts joined by a blank line,
 * messages by a newline, the last rewritten input, the first stop reason.
 */
export function mergeResponses(responses) {
  const merged = {};
  for (const r of responses) {
    if (r.decision !== undefined) {
      const current = merged.decision === undefined ? 0 : PRECEDENCE[merged.decision];
      if (PRECEDENCE[r.decision] > current) {
        merged.decision = r.decision;
        merged.reason = r.reason;
      } else if (merged.decision === r.decision && merged.reason === undefined) {
        merged.reason = r.reason;
      }
    }
    if (r.additionalContext) {
      merged.additionalContext = merged.additionalContext ? `${merged.additionalContext}\n\n${r.additionalContext}` : r.additionalContext;
    }
    if (r.systemMessage) {
      merged.systemMessage = merged.systemMessage ? `${merged.systemMessage}\n${r.systemMessage}` : r.systemMessage;
    }
    if (r.updatedInput !== undefined) merged.updatedInput = r.updatedInput;
    if (merged.stopReason === undefined && r.stopReason !== undefined) merged.stopReason = r.stopReason;
  }
  for (const key of Object.keys(merged)) if (merged[key] === undefined) delete merged[key];
  return merged;
}
