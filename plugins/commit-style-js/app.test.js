import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';
import { events, logLines, reset, runEvent } from 'fasthooks-sdk/testing';
import { app } from './app.js';
import { commitMessage } from './message.js';

beforeEach(reset);

test('finds the message in the forms git takes', () => {
  assert.equal(commitMessage('git commit -m "fix: a"'), 'fix: a');
  assert.equal(commitMessage("git commit -am 'wip'"), 'wip');
  assert.equal(commitMessage('git commit --message=done'), 'done');
  assert.equal(commitMessage('git status'), null);
});

test('denies a message that is not a Conventional Commit, once, with how to write it', async () => {
  const answer = await runEvent(app, events.preTool('Bash', { command: 'git commit -m "stuff"' }));
  assert.equal(answer.decision, 'deny');
  assert.match(answer.reason, /"stuff" is not a Conventional Commit/);
  assert.deepEqual(logLines(), [{ level: 'info', message: 'refusing commit message: stuff' }]);
});

test('lets good messages, other commands and other tools through', async () => {
  assert.deepEqual(await runEvent(app, events.preTool('Bash', { command: 'git commit -m "feat(cli): add --json"' })), {});
  assert.deepEqual(await runEvent(app, events.preTool('Bash', { command: 'ls' })), {});
  assert.deepEqual(await runEvent(app, events.preTool('Write', { command: 'git commit -m "x"' })), {});
});
