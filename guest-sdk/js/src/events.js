// Claude Code hook events: the Event a handler gets, and (for the native test mode, where no
// host tests matchers) Claude Code's matcher rules over the host's event table.

import { EVENT_TABLE } from './event-table.js';

/**
 * One hook event. `raw` is the JSON Claude Code sent, fields as it spells them; the getters
 * give its common fields and those of `tool_input` by their JavaScript names (`event.command`,
 * `event.filePath`, `event.prompt`, …), undefined when absent.
 */
export class Event {
  constructor(raw) {
    this.raw = raw && typeof raw === 'object' ? raw : {};
  }

  get name() {
    return this.raw.hook_event_name ?? '';
  }
  get sessionId() {
    return this.raw.session_id;
  }
  get cwd() {
    return this.raw.cwd;
  }
  get transcriptPath() {
    return this.raw.transcript_path;
  }
  get permissionMode() {
    return this.raw.permission_mode;
  }
  get toolName() {
    return this.raw.tool_name;
  }
  get toolInput() {
    const input = this.raw.tool_input;
    return input && typeof input === 'object' ? input : {};
  }
  get toolResponse() {
    return this.raw.tool_response;
  }
  get toolUseId() {
    return this.raw.tool_use_id;
  }
  get prompt() {
    return this.raw.prompt;
  }
  get stopHookActive() {
    return this.raw.stop_hook_active;
  }
  get lastAssistantMessage() {
    return this.raw.last_assistant_message;
  }
  get source() {
    return this.raw.source;
  }
  get reason() {
    return this.raw.reason;
  }
  get trigger() {
    return this.raw.trigger;
  }
  get message() {
    return this.raw.message;
  }
  get notificationType() {
    return this.raw.notification_type;
  }
  get agentType() {
    return this.raw.agent_type;
  }

  // tool_input fields of the built-in tools.
  get command() {
    return this.toolInput.command;
  }
  get description() {
    return this.toolInput.description;
  }
  get filePath() {
    return this.toolInput.file_path;
  }
  get content() {
    return this.toolInput.content;
  }
  get oldString() {
    return this.toolInput.old_string;
  }
  get newString() {
    return this.toolInput.new_string;
  }
  get edits() {
    return this.toolInput.edits;
  }
  get pattern() {
    return this.toolInput.pattern;
  }
  get path() {
    return this.toolInput.path;
  }
  get url() {
    return this.toolInput.url;
  }
  get query() {
    return this.toolInput.query;
  }
}

/** Every event the host knows, by name. */
export const EVENT_NAMES = Object.freeze(Object.keys(EVENT_TABLE.events));

/** Claude Code's built-in tools, as `tool_name` spells them. */
export const KNOWN_TOOLS = Object.freeze([...EVENT_TABLE.knownTools]);

/**
 * What a matcher is tested against on this event (the tool name, source, reason, …), or
 * undefined when there is nothing to test: then every subscription applies.
 */
export function matcherSubject(raw) {
  const spec = EVENT_TABLE.events[raw.hook_event_name];
  if (!spec || !spec.subject) return undefined;
  const value = raw[spec.subject.field];
  if (typeof value !== 'string' || value === '') return undefined;
  if (spec.subject.basename) return value.split(/[/\\]/).pop();
  if (spec.subject.model) return value.includes('[') ? value.slice(0, value.indexOf('[')) : value;
  return value;
}

const EXACT = { general: /^[A-Za-z0-9_\- ,|]*$/, narrow: /^[A-Za-z0-9_|]*$/ };
// JavaScript features the host refuses in a matcher: they cannot run in linear time.
const NOT_LINEAR = /\(\?<?[=!]|\\[1-9]|\\k</;

/**
 * Whether `matcher` on event `name` accepts `subject`, as a settings.json matcher would; throws
 * for a matcher the host would refuse when the plugin loads. `compile` makes the RegExp (the
 * native host passes one that runs in linear time, as the host's own engine does).
 */
export function matches(name, matcher, subject, compile = (text) => new RegExp(text)) {
  const text = matcher.trim();
  if (text === '' || text === '*') return true;
  const spec = EVENT_TABLE.events[name];
  const exact = EXACT[spec?.exactNames ?? 'general'];
  if (exact.test(text)) {
    if (subject === undefined) return true;
    return text
      .split(/[|,]/)
      .map((n) => n.trim())
      .some((n) => n !== '' && n === subject);
  }
  if (NOT_LINEAR.test(text)) {
    throw new Error(`matcher \`${matcher}\`: look-around and back-references are not supported`);
  }
  let regex;
  try {
    regex = compile(text);
  } catch (err) {
    throw new Error(`matcher \`${matcher}\`: ${err.message}`);
  }
  return subject === undefined || regex.test(subject);
}
