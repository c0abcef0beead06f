// agent-task-ts: a test plugin for agent tasks in TypeScript (fasthooks-sdk's app.agentTask,
// type-checked with tsc, stripped and bundled by esbuild). A prompt `ask QUESTION` queues the
// agent task `ask` (a haiku sub-agent with a fixed system prompt, at most 2 turns, no tools);
// the next prompt gets its answer as `Agent said: …` (or `Agent failed: …`). The prompt
// `throw` makes the handler throw a TypeError, to test how a plugin's exception is reported.

import { type Agent, context, HookApp, type Response } from 'fasthooks-sdk';

export const app = new HookApp('agent-task-ts', '0.1.0');

const ask = app.agentTask('ask', (agent: Agent, question: string): string => agent.query(question), {
  model: 'haiku',
  systemPrompt: 'You are the agent-task-ts test agent.',
  maxTurns: 2,
});

app.onPrompt((event, tasks): Response | undefined => {
  const answer: string | undefined = tasks.pop(ask);
  const failed = tasks.popErrors().find(([key]) => key === 'ask');
  const prompt = (event.prompt ?? '').trim();
  if (prompt === 'throw') return (event.raw.no_such_field as { x: Response }).x;
  if (prompt.startsWith('ask ')) tasks.add(ask, prompt.slice(4));
  if (answer !== undefined) return context(`Agent said: ${answer}`);
  if (failed) return context(`Agent failed: ${failed[1]}`);
  return undefined;
});

export const { describe, handle, runTask, taskNames } = app.exports();
