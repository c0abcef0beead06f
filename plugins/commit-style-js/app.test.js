import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';
import { events, logLines, reset, runEvent } from 'fasthooks-sdk/testing';
import { app } from './app.js';
import { commitMessage } from './message.js';

beforeEach(reset);

test('finds the message in the forms git takes', () => {
  assert.deepEqual(commitMessage('git commit -m "fix: a"'), { message: 'fix: a' });
  assert.deepEqual(commitMessage("git commit -am 'wip'"), { message: 'wip' });
  assert.deepEqual(commitMessage('git commit -amwip'), { message: 'wip' });
  assert.deepEqual(commitMessage('git commit --message=done'), { message: 'done' });
  assert.deepEqual(commitMessage('git commit --message "two words"'), { message: 'two words' });
  assert.deepEqual(commitMessage('git -c user.name=x -C repo commit -m "feat: y"'), { message: 'feat: y' });
  assert.deepEqual(commitMessage('git --git-dir=.git --no-pager commit -m z'), { message: 'z' });
  assert.deepEqual(commitMessage('git commit -m "fix: a" -m "body"'), { message: 'fix: a\n\nbody' });
  assert.deepEqual(commitMessage('git commit -F msg.txt'), { file: 'msg.txt' });
  assert.deepEqual(commitMessage('git commit --file=msg.txt'), { file: 'msg.txt' });
  assert.deepEqual(commitMessage('cd x && git commit -m "say \\"hi\\""'), { message: 'say "hi"' });
  assert.deepEqual(commitMessage('GIT_AUTHOR_NAME=x env git commit -m w'), { message: 'w' });
  assert.equal(commitMessage('git status'), null);
  assert.equal(commitMessage('echo git commit -m x'), null, 'echo is the command, not git');
  assert.equal(commitMessage('git log -m'), null);
  assert.equal(commitMessage('git commit'), null, 'no message on the command line: the editor');
});

test('denies a message that is not a Conventional Commit, once, with how to write it', async () => {
  const answer = await runEvent(app, events.preTool('Bash', { command: 'git commit -m "stuff"' }));
  assert.equal(answer.decision, 'deny');
  assert.match(answer.reason, /"stuff" is not a Conventional Commit/);
  assert.deepEqual(logLines(), [{ level: 'info', message: 'refusing commit message: stuff' }]);
});

test('a message in a file is let through with a note', async () => {
  const answer = await runEvent(app, events.preTool('Bash', { command: 'git commit -F .git/MSG' }));
  assert.deepEqual(answer, { systemMessage: 'fasthooks commit-style: the message in .git/MSG was not checked (commit-style reads no files)' });
});

test('lets good messages, other commands and other tools through', async () => {
  assert.deepEqual(await runEvent(app, events.preTool('Bash', { command: 'git commit -m "feat(cli): add --json"' })), {});
  assert.deepEqual(await runEvent(app, events.preTool('Bash', { command: 'ls' })), {});
  assert.deepEqual(await runEvent(app, events.preTool('Write', { command: 'git commit -m "x"' })), {});
});
