// Types of fasthooks-sdk. Event names come from the host's event table (src/event-table.js).

/** Every hook event Claude Code sends. */
export type EventName =
  | 'SessionStart' | 'Setup' | 'InstructionsLoaded' | 'UserPromptSubmit' | 'UserPromptExpansion'
  | 'PreToolUse' | 'PermissionRequest' | 'PermissionDenied' | 'PostToolUse' | 'PostToolUseFailure'
  | 'PostToolBatch' | 'Notification' | 'MessageDisplay' | 'SubagentStart' | 'SubagentStop'
  | 'TaskCreated' | 'TaskCompleted' | 'Stop' | 'StopFailure' | 'TeammateIdle' | 'ConfigChange'
  | 'CwdChanged' | 'DirectoryAdded' | 'FileChanged' | 'WorktreeCreate' | 'WorktreeRemove'
  | 'PreCompact' | 'PostCompact' | 'PreModelSwitch' | 'PostModelSwitch' | 'Elicitation'
  | 'ElicitationResult' | 'SessionEnd';

export declare const EVENT_NAMES: readonly EventName[];
export declare const KNOWN_TOOLS: readonly string[];

/** `tool_input` of Claude Code's built-in tools (snake_case, as Claude Code sends it). */
export interface ToolInputs {
  Bash: { command: string; description?: string; timeout?: number; run_in_background?: boolean };
  Write: { file_path: string; content: string };
  Edit: { file_path: string; old_string: string; new_string: string; replace_all?: boolean };
  MultiEdit: { file_path: string; edits: { old_string: string; new_string: string; replace_all?: boolean }[] };
  Read: { file_path: string; offset?: number; limit?: number };
  NotebookEdit: { notebook_path: string; new_source: string; cell_id?: string; cell_type?: string; edit_mode?: string };
  Glob: { pattern: string; path?: string };
  Grep: { pattern: string; path?: string; glob?: string; type?: string; output_mode?: string; [flag: string]: unknown };
  WebFetch: { url: string; prompt: string };
  WebSearch: { query: string; allowed_domains?: string[]; blocked_domains?: string[] };
  Task: { description: string; prompt: string; subagent_type?: string };
  Agent: { description: string; prompt: string; subagent_type?: string };
  TodoWrite: { todos: { content: string; status: string; activeForm?: string }[] };
}
export type ToolName = keyof ToolInputs | (string & {});
export type ToolInput<T extends ToolName> = T extends keyof ToolInputs ? ToolInputs[T] & Record<string, unknown> : Record<string, unknown>;

interface ToolFields {
  tool_name: string;
  tool_input: Record<string, unknown>;
  tool_use_id?: string;
  mcp_server?: { name: string; source?: string };
}
interface StopFields {
  stop_hook_active: boolean;
  last_assistant_message?: string;
  background_tasks?: Record<string, unknown>[];
  session_crons?: { id: string; schedule: string; recurring: boolean; prompt: string }[];
}
interface ModelSwitchFields {
  from_model: string;
  to_model: string;
  requested_model?: string | null;
  source: string;
  context_tokens?: number;
}

/** The fields each event adds to the common ones (protocol reference §2.3), by event name. */
export interface EventFields {
  SessionStart: { source: 'startup' | 'resume' | 'clear' | 'compact' | 'fork' | (string & {}); model?: string; agent_type?: string; session_title?: string };
  Setup: { trigger: 'init' | 'maintenance' | (string & {}) };
  InstructionsLoaded: { file_path: string; memory_type: string; load_reason: string; globs?: string[]; trigger_file_path?: string; parent_file_path?: string };
  UserPromptSubmit: { prompt: string; prompt_id?: string; session_title?: string };
  UserPromptExpansion: { expansion_type: 'slash_command' | 'mcp_prompt' | (string & {}); command_name: string; command_args?: string; command_source?: string; prompt?: string };
  PreToolUse: ToolFields;
  PermissionRequest: ToolFields & { permission_suggestions?: Record<string, unknown>[] };
  PermissionDenied: ToolFields & { reason: string };
  PostToolUse: ToolFields & { tool_response: unknown; duration_ms?: number };
  PostToolUseFailure: ToolFields & { error: string; is_interrupt?: boolean; duration_ms?: number };
  PostToolBatch: { tool_calls: { tool_name: string; tool_input: Record<string, unknown>; tool_use_id: string; tool_response: unknown }[] };
  Notification: { message: string; notification_type: string; title?: string };
  MessageDisplay: { message?: string; [field: string]: unknown };
  SubagentStart: { agent_id: string; agent_type: string };
  SubagentStop: StopFields & { agent_id: string; agent_type: string; agent_transcript_path?: string };
  TaskCreated: { task_id: string; task_subject: string; task_description?: string; teammate_name?: string; team_name?: string };
  TaskCompleted: { task_id: string; task_subject: string; task_description?: string; teammate_name?: string; team_name?: string };
  Stop: StopFields;
  StopFailure: { error: string; [field: string]: unknown };
  TeammateIdle: { teammate_name: string; team_name: string };
  ConfigChange: { source: string; file_path?: string };
  CwdChanged: { old_cwd: string; new_cwd: string };
  DirectoryAdded: { directory: string; source: string };
  FileChanged: { file_path: string; event: string };
  WorktreeCreate: { name: string };
  WorktreeRemove: { worktree_path: string };
  PreCompact: { trigger: 'manual' | 'auto' | (string & {}); custom_instructions?: string };
  PostCompact: { trigger: 'manual' | 'auto' | (string & {}); compact_summary?: string };
  PreModelSwitch: ModelSwitchFields;
  PostModelSwitch: ModelSwitchFields;
  Elicitation: { mcp_server_name: string; message: string; mode?: 'form' | 'url' | (string & {}); url?: string; elicitation_id?: string; requested_schema?: Record<string, unknown> };
  ElicitationResult: { mcp_server_name: string; action: string; content?: unknown; mode?: string; elicitation_id?: string };
  SessionEnd: { reason: 'clear' | 'resume' | 'logout' | 'prompt_input_exit' | 'other' | (string & {}) };
}

/** The JSON of event `E` as Claude Code sends it; unknown fields are kept. */
export type RawEventOf<E extends EventName> = {
  hook_event_name: E;
  session_id: string;
  cwd: string;
  transcript_path?: string;
  permission_mode?: string;
} & EventFields[E] & { [field: string]: unknown };

/** The JSON of any event as Claude Code sends it; unknown fields are kept. */
export interface RawEvent {
  hook_event_name: EventName | (string & {});
  session_id: string;
  cwd: string;
  transcript_path?: string;
  permission_mode?: string;
  tool_name?: string;
  tool_input?: Record<string, unknown>;
  tool_response?: unknown;
  [field: string]: unknown;
}

/** One hook event; the getters are undefined where the event has no such field. */
export declare class Event<I = Record<string, unknown>, R = RawEvent> {
  constructor(raw: RawEvent);
  /** The whole JSON, typed per event for routes of one event (`app.onPrompt` gets `raw.prompt: string`). */
  readonly raw: R;
  readonly name: EventName | (string & {});
  readonly sessionId: string;
  readonly cwd: string;
  readonly transcriptPath?: string;
  readonly permissionMode?: string;
  readonly toolName?: string;
  /** `tool_input`, `{}` when absent. */
  readonly toolInput: I;
  readonly toolResponse?: unknown;
  readonly toolUseId?: string;
  /** UserPromptSubmit. */
  readonly prompt?: string;
  /** Stop, SubagentStop. */
  readonly stopHookActive?: boolean;
  readonly lastAssistantMessage?: string;
  /** SessionStart (startup, resume, clear, compact), ConfigChange. */
  readonly source?: string;
  /** SessionEnd. */
  readonly reason?: string;
  /** PreCompact, PostCompact. */
  readonly trigger?: string;
  /** Notification. */
  readonly message?: string;
  readonly notificationType?: string;
  /** SubagentStart, SubagentStop. */
  readonly agentType?: string;
  // Fields of tool_input.
  readonly command?: string;
  readonly description?: string;
  readonly filePath?: string;
  readonly content?: string;
  readonly oldString?: string;
  readonly newString?: string;
  readonly edits?: { old_string: string; new_string: string; replace_all?: boolean }[];
  readonly pattern?: string;
  readonly path?: string;
  readonly url?: string;
  readonly query?: string;
}
/** The event a route of `E` gets. */
export type EventOf<E extends EventName> = Event<Record<string, unknown>, RawEventOf<E>>;
/** The event a tool route of `E` for tool `T` gets: its `toolInput` typed by the tool. */
export type ToolEvent<T extends ToolName, E extends EventName = 'PreToolUse'> = Event<ToolInput<T>, RawEventOf<E>> & { readonly toolName: string };

export type Decision = 'allow' | 'deny' | 'ask' | 'block' | 'defer';

/** What a handler answers; every field is optional. Returning nothing means "no opinion". */
export interface Response {
  decision?: Decision;
  reason?: string;
  /** Extra context for Claude. */
  context?: string;
  /** The rewritten tool input. */
  updatedInput?: Record<string, unknown>;
  /** Shown to the user. */
  systemMessage?: string;
  /** Stops Claude after this hook. */
  stopReason?: string;
}
export declare function allow(options?: { message?: string; updatedInput?: Record<string, unknown> }): Response;
export declare function approve(reason?: string): Response;
export declare function deny(reason: string): Response;
export declare function ask(reason: string): Response;
export declare function block(reason: string): Response;
/** Pause the turn for the user to decide (it outranks ask). */
export declare function defer(reason?: string): Response;
export declare function context(text: string): Response;
export declare function stop(reason: string): Response;

export declare const TaskStatus: {
  readonly PENDING: 'pending';
  readonly RUNNING: 'running';
  readonly COMPLETED: 'completed';
  readonly FAILED: 'failed';
  readonly CANCELLED: 'cancelled';
};
export type TaskStatusName = (typeof TaskStatus)[keyof typeof TaskStatus];

export interface TaskOptions {
  /** Default: the task's name. Re-adding a key replaces the earlier task. */
  key?: string;
  /** Seconds a result is kept after it completes. */
  ttl?: number;
  /** Higher first, among this session's own tasks. */
  priority?: number;
  /** Its result wakes Claude if it lands after Claude stopped. */
  wake?: boolean;
}

export declare class Task<A extends unknown[] = unknown[], R = unknown> {
  readonly name: string;
  readonly ttl: number;
  readonly priority: number;
  /** Its value, or a promise of it for an async function. */
  run(args: A): R | Promise<R>;
}
export type TaskKey = Task<any, any> | string;

export interface TaskResult<R = unknown> {
  key: string;
  name: string;
  status: TaskStatusName;
  /** Decoded; `null` when the task returned nothing. */
  value?: R;
  error?: string;
  createdAtMs: number;
  startedAtMs?: number;
  finishedAtMs?: number;
}

/** The task API of one session (the host knows the session). */
export declare class Tasks {
  add<A extends unknown[], R>(task: Task<A, R>, ...args: A): TaskResult<R>;
  addWith<A extends unknown[], R>(task: Task<A, R>, options: TaskOptions, ...args: A): TaskResult<R>;
  wake(task: TaskKey): boolean;
  /** The result, removed; undefined when not finished or absent (a task that returned nothing gives null). */
  pop<R>(task: Task<any, R>): R | undefined;
  pop(key: string): unknown;
  get<R>(task: Task<any, R>): TaskResult<R> | undefined;
  get(key: string): TaskResult | undefined;
  /** Whether its result (without a key: any result of the session) is ready to pop. */
  has(task?: TaskKey): boolean;
  cancel(task: TaskKey): boolean;
  cancelAll(): number;
  popAll(): Record<string, unknown>;
  popErrors(): [key: string, error: string][];
  wait<R>(task: Task<any, R>, timeoutMs?: number): R | undefined;
  wait(key: string, timeoutMs?: number): unknown;
  waitAll(keys: TaskKey[], timeoutMs?: number): Record<string, unknown>;
  waitAny(keys: TaskKey[], timeoutMs?: number): [key: string, value: unknown] | undefined;
}

type Answer = Response | undefined | void | Promise<Response | undefined | void>;
export type Handler<E = Event> = (event: E, tasks: Tasks) => Answer;
export interface RouteOptions<E = Event> {
  /** A further condition on the event. */
  when?: (event: E) => boolean;
}
export type Capability = 'read-files' | 'write-files' | 'network' | 'environment' | 'agent';

export interface AgentOptions {
  model?: string;
  systemPrompt?: string;
  allowedTools?: string[];
  maxTurns?: number;
  maxBudgetUsd?: number;
}

export interface PluginExports {
  describe(): { name: string; version: string; subscriptions: { event: string; matcher: string }[]; capabilities: Capability[] };
  handle(event: { name: string; sessionId: string; cwd: string; rawJson: string }): object | Promise<object>;
  runTask(name: string, args: string): string | Promise<string>;
  /** The registered task names, for `fasthooks-host inspect`. */
  taskNames(): string[];
}

export declare class HookApp {
  constructor(name: string, version?: string);
  on<E extends EventName>(event: E, matcher: string, handler: Handler<EventOf<E>>, options?: RouteOptions<EventOf<E>>): this;
  on<E extends EventName>(event: E, handler: Handler<EventOf<E>>, options?: RouteOptions<EventOf<E>>): this;
  on(event: '*' | (string & {}), matcher: string, handler: Handler, options?: RouteOptions): this;
  on(event: '*' | (string & {}), handler: Handler, options?: RouteOptions): this;
  preTool<T extends ToolName>(tool: T | T[] | '*', handler: Handler<ToolEvent<T>>, options?: RouteOptions<ToolEvent<T>>): this;
  postTool<T extends ToolName>(tool: T | T[] | '*', handler: Handler<ToolEvent<T, 'PostToolUse'>>, options?: RouteOptions<ToolEvent<T, 'PostToolUse'>>): this;
  postToolFailure<T extends ToolName>(tool: T | T[] | '*', handler: Handler<ToolEvent<T, 'PostToolUseFailure'>>, options?: RouteOptions<ToolEvent<T, 'PostToolUseFailure'>>): this;
  onPermissionRequest<T extends ToolName>(tool: T | T[] | '*', handler: Handler<ToolEvent<T, 'PermissionRequest'>>, options?: RouteOptions<ToolEvent<T, 'PermissionRequest'>>): this;
  onPrompt(handler: Handler<EventOf<'UserPromptSubmit'>>, options?: RouteOptions<EventOf<'UserPromptSubmit'>>): this;
  onStop(handler: Handler<EventOf<'Stop'>>, options?: RouteOptions<EventOf<'Stop'>>): this;
  onSubagentStop(handler: Handler<EventOf<'SubagentStop'>>, options?: RouteOptions<EventOf<'SubagentStop'>>): this;
  onSessionStart(matcher: string, handler: Handler<EventOf<'SessionStart'>>, options?: RouteOptions<EventOf<'SessionStart'>>): this;
  onSessionStart(handler: Handler<EventOf<'SessionStart'>>, options?: RouteOptions<EventOf<'SessionStart'>>): this;
  onSessionEnd(matcher: string, handler: Handler<EventOf<'SessionEnd'>>, options?: RouteOptions<EventOf<'SessionEnd'>>): this;
  onSessionEnd(handler: Handler<EventOf<'SessionEnd'>>, options?: RouteOptions<EventOf<'SessionEnd'>>): this;
  onNotification(matcher: string, handler: Handler<EventOf<'Notification'>>, options?: RouteOptions<EventOf<'Notification'>>): this;
  onNotification(handler: Handler<EventOf<'Notification'>>, options?: RouteOptions<EventOf<'Notification'>>): this;
  onPreCompact(matcher: string, handler: Handler<EventOf<'PreCompact'>>, options?: RouteOptions<EventOf<'PreCompact'>>): this;
  onPreCompact(handler: Handler<EventOf<'PreCompact'>>, options?: RouteOptions<EventOf<'PreCompact'>>): this;
  /** A task; with a `transform`, its result is what the transform returns. */
  task<A extends unknown[], R, T = R>(
    name: string,
    fn: (...args: A) => R | Promise<R>,
    options?: { ttl?: number; priority?: number; transform?: (value: R) => T },
  ): Task<A, T>;
  agentTask<A extends unknown[], R, T = R>(
    name: string,
    fn: (agent: Agent, ...args: A) => R | Promise<R>,
    options?: AgentOptions & { ttl?: number; priority?: number; transform?: (value: R) => T },
  ): Task<A, T>;
  needs(...capabilities: Capability[]): this;
  describe(): ReturnType<PluginExports['describe']>;
  /** `export const { describe, handle, runTask, taskNames } = app.exports();` */
  exports(): PluginExports;
}

export declare class Agent {
  constructor(options?: AgentOptions);
  query(prompt: string): string;
}

export declare function log(level: 'trace' | 'debug' | 'info' | 'warn' | 'error', message: string): void;

export type StateScope = 'session' | 'global';
export declare const state: {
  get(key: string, scope?: StateScope): string | undefined;
  set(key: string, value: string, scope?: StateScope): void;
  delete(key: string, scope?: StateScope): boolean;
  keys(scope?: StateScope): string[];
  getJson<T = unknown>(key: string, scope?: StateScope): T | undefined;
  setJson(key: string, value: unknown, scope?: StateScope): void;
};

export interface MemoryNote {
  id: number;
  text: string;
  sessionId: string;
  createdAtMs: number;
  score: number;
}
export declare const memory: {
  remember(text: string): number;
  search(words: string, limit?: number): MemoryNote[];
  forget(id: number): boolean;
};

export declare class HostError extends Error {
  constructor(call: string, reason: string);
  readonly call: string;
  readonly reason: string;
}
export declare class PluginError extends Error {
  constructor(message: string);
}
