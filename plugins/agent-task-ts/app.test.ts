// agent-task-ts's unit tests, in TypeScript, in the SDK's native test mode. Node 20 runs no
// TypeScript itself: the build bundles this file for Node with esbuild (no component
// condition), then `node --test` runs it; Node 22.6+ can run it with --experimental-strip-types.
import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';
import { events, reset, respondWith, runEvent } from 'fasthooks-sdk/testing';
import { app } from './app.ts';

beforeEach(reset);

test('a prompt asks the agent in the background and the next prompt gets its answer', async () => {
  const asked: string[] = [];
  respondWith((request) => {
    asked.push(`${request.model}|${request.systemPrompt}|${request.maxTurns}|${request.prompt}`);
    return 'Forty-two.';
  });
  assert.deepEqual(await runEvent(app, events.prompt('ask what is six times seven?')), {});
  assert.deepEqual(asked, ['haiku|You are the agent-task-ts test agent.|2|what is six times seven?']);
  assert.deepEqual(await runEvent(app, events.prompt('thanks')), { additionalContext: 'Agent said: Forty-two.' });
  assert.deepEqual(await runEvent(app, events.prompt('again')), {});
});

test('an agent that fails is reported once', async () => {
  assert.deepEqual(await runEvent(app, events.prompt('ask anything')), {});
  const answer = await runEvent(app, events.prompt('next'));
  assert.match(answer.additionalContext ?? '', /^Agent failed: HostError: agent\.query: no agent in the native test mode/);
});

test('the prompt `throw` fails the handler with one line naming the error', async () => {
  await assert.rejects(runEvent(app, events.prompt('throw')), /^TypeError: /);
});
