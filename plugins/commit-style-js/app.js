// commit-style: a fasthooks plugin in JavaScript, on fasthooks-sdk (bundled by esbuild, built
// into a component by jco). PreToolUse for Bash: a `git commit -m "…"` whose message is not a
// Conventional Commit ("type(scope): summary", e.g. "fix(parser): accept empty input") is
// denied with the reason Claude needs to write a better one. Everything else: no opinion.

import { deny, HookApp, log } from 'fasthooks-sdk';
import { commitMessage, isConventional, TYPES } from './message.js';

export const app = new HookApp('commit-style', '0.1.0');

app.preTool('Bash', (event) => {
  const message = commitMessage(event.command ?? '');
  if (message === null) return undefined;
  const subject = message.split('\n')[0];
  if (isConventional(subject)) return undefined;
  log('info', `refusing commit message: ${subject}`);
  return deny(
    `fasthooks commit-style: "${subject}" is not a Conventional Commit. ` +
      `Write "type(scope): summary" with type one of ${TYPES.join(', ')} ` +
      `and a summary of at most 72 characters, e.g. "fix(parser): accept empty input".`,
  );
});

export const { describe, handle, runTask } = app.exports();
