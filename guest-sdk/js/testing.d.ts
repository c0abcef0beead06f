import type { HookApp, RawEvent, Task, TaskStatusName } from './index.js';

/** The answer as the host reads it; only the fields given, `{}` for no opinion. */
export interface WireResponse {
  decision?: 'allow' | 'deny' | 'ask' | 'block' | 'defer';
  reason?: string;
  additionalContext?: string;
  /** JSON text. */
  updatedInput?: string;
  systemMessage?: string;
  stopReason?: string;
}

type Fields = Record<string, unknown>;
export declare const events: {
  of(name: string, fields?: Fields): RawEvent;
  preTool(tool: string, input?: Fields, fields?: Fields): RawEvent;
  postTool(tool: string, input?: Fields, response?: unknown, fields?: Fields): RawEvent;
  postToolFailure(tool: string, input?: Fields, error?: string, fields?: Fields): RawEvent;
  permissionRequest(tool: string, input?: Fields, fields?: Fields): RawEvent;
  prompt(text: string, fields?: Fields): RawEvent;
  stop(options?: { lastAssistantMessage?: string; stopHookActive?: boolean }, fields?: Fields): RawEvent;
  subagentStop(options?: { agentType?: string; lastAssistantMessage?: string; stopHookActive?: boolean }, fields?: Fields): RawEvent;
  sessionStart(source?: string, fields?: Fields): RawEvent;
  sessionEnd(reason?: string, fields?: Fields): RawEvent;
  notification(message: string, notificationType?: string, fields?: Fields): RawEvent;
  preCompact(trigger?: string, customInstructions?: string, fields?: Fields): RawEvent;
};
export declare function runEvent(app: HookApp, event: RawEvent): Promise<WireResponse>;
/** What the host checks when it loads the plugin (known events, usable matchers); throws otherwise. */
export declare function check(app: HookApp): void;
export declare function runTask<R>(app: HookApp, task: Task<any, R> | string, ...args: unknown[]): Promise<R>;
export declare function queuedTasks(): { key: string; name: string; status: TaskStatusName; value?: string; error?: string; wake: boolean }[];
export declare function respondWith(responder: (request: { prompt: string; model?: string; systemPrompt?: string; allowedTools: string[]; maxTurns?: number; maxBudgetUsd?: number }) => string): void;
export declare function logLines(): { level: string; message: string }[];
export declare function reset(): void;
export declare function settle(): Promise<void>;
