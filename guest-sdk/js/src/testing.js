// The native test mode: run a plugin's handlers and tasks under plain Node (`node --test`),
// with no componentize step, like the seed's ImmediateBackend. Tasks run as soon as they are
// added; `state`, `memory` and the log live in memory; the agent answers with `respondWith`.
//
//   import { events, runEvent, reset } from 'fasthooks-sdk/testing';
//   const answer = await runEvent(app, events.preTool('Bash', { command: 'rm -rf /' }));
//   assert.equal(answer.decision, 'deny');

import * as host from '#host';
import { EVENT_NAMES, matches } from './events.js';

if (!host.NATIVE) {
  throw new Error('fasthooks-sdk/testing runs under plain Node, not inside a component');
}

const SESSION = 'test-session';

function event(name, fields = {}) {
  return {
    session_id: SESSION,
    transcript_path: '/tmp/fasthooks-test/transcript.jsonl',
    cwd: '/tmp/fasthooks-test',
    hook_event_name: name,
    ...fields,
  };
}

/** Claude Code events as it sends them (session `test-session`), by event. */
export const events = {
  /** Any event, by name, with its own fields. */
  of: event,
  preTool: (tool, input = {}, fields = {}) => event('PreToolUse', { permission_mode: 'default', tool_name: tool, tool_input: input, tool_use_id: 'toolu_test', ...fields }),
  postTool: (tool, input = {}, response = {}, fields = {}) =>
    event('PostToolUse', { permission_mode: 'default', tool_name: tool, tool_input: input, tool_response: response, tool_use_id: 'toolu_test', ...fields }),
  postToolFailure: (tool, input = {}, error = 'failed', fields = {}) =>
    event('PostToolUseFailure', { permission_mode: 'default', tool_name: tool, tool_input: input, error, tool_use_id: 'toolu_test', ...fields }),
  permissionRequest: (tool, input = {}, fields = {}) => event('PermissionRequest', { permission_mode: 'default', tool_name: tool, tool_input: input, ...fields }),
  prompt: (text, fields = {}) => event('UserPromptSubmit', { permission_mode: 'default', prompt: text, ...fields }),
  stop: ({ lastAssistantMessage = '', stopHookActive = false } = {}, fields = {}) =>
    event('Stop', { permission_mode: 'default', stop_hook_active: stopHookActive, last_assistant_message: lastAssistantMessage, ...fields }),
  subagentStop: ({ agentType = 'general-purpose', lastAssistantMessage = '', stopHookActive = false } = {}, fields = {}) =>
    event('SubagentStop', { agent_type: agentType, stop_hook_active: stopHookActive, last_assistant_message: lastAssistantMessage, ...fields }),
  sessionStart: (source = 'startup', fields = {}) => event('SessionStart', { source, ...fields }),
  sessionEnd: (reason = 'other', fields = {}) => event('SessionEnd', { reason, ...fields }),
  notification: (message, notificationType = 'idle_prompt', fields = {}) => event('Notification', { message, notification_type: notificationType, ...fields }),
  preCompact: (trigger = 'manual', customInstructions = '', fields = {}) => event('PreCompact', { trigger, custom_instructions: customInstructions, ...fields }),
};

/**
 * One event through the plugin as the host would send it: the answer as the host reads it
 * (`{decision, reason, additionalContext, updatedInput (JSON text), systemMessage, stopReason}`,
 * only the fields given; `{}` for no opinion). Tasks the handlers added have finished when it
 * returns. An exception comes back as the string the host would get.
 */
export async function runEvent(app, raw) {
  if (!EVENT_NAMES.includes(raw.hook_event_name)) {
    throw new Error(`unknown event ${raw.hook_event_name}: one of ${EVENT_NAMES.join(', ')}`);
  }
  check(app);
  host.useApp(app);
  host.setSession(raw.session_id ?? SESSION);
  const witEvent = {
    name: raw.hook_event_name,
    sessionId: raw.session_id ?? SESSION,
    cwd: raw.cwd ?? '',
    transcriptPath: raw.transcript_path,
    permissionMode: raw.permission_mode,
    toolName: raw.tool_name,
    rawJson: JSON.stringify(raw),
  };
  try {
    return await app.exports().handle(witEvent);
  } finally {
    await host.settle();
  }
}

/**
 * What the host checks when it loads the plugin: every subscription names a known event (or
 * '*') and a matcher it can run. Throws otherwise (runEvent checks it first).
 */
export function check(app) {
  for (const { event, matcher } of app.subscriptions()) {
    if (event !== '*' && !EVENT_NAMES.includes(event)) {
      throw new Error(`subscription to unknown event ${event}: one of ${EVENT_NAMES.join(', ')}`);
    }
    matches(event, matcher, undefined);
  }
}

/** Run task `task` (a Task or its name) with these arguments, as the host's fresh instance would: its value. */
export async function runTask(app, task, ...args) {
  host.useApp(app);
  const name = typeof task === 'string' ? task : task.name;
  const text = await app.exports().runTask(name, JSON.stringify({ args }));
  return JSON.parse(text);
}

/** The tasks of the current session: [{key, name, status, value (JSON text), error, …}]. */
export const queuedTasks = () => host.allTasks();

/** The agent's answers in this process: `responder(request)` gets {prompt, model, systemPrompt, allowedTools, maxTurns, maxBudgetUsd}. */
export const respondWith = (responder) => host.setResponder(responder);

/** What the plugin logged: [{level, message}]. */
export const logLines = () => host.logLines();

/** Forget every task, state entry, memory note, responder and log line (call between tests). */
export const reset = () => host.reset();

/** Until every task started so far has finished (runEvent awaits it already). */
export const settle = () => host.settle();
