// commit-style: a fasthooks plugin in JavaScript, on fasthooks-sdk (bundled by esbuild, built
// into a component by jco). PreToolUse for Bash: a `git commit -m "…"` whose message is not a
// Conventional Commit ("type(scope): summary", e.g. "fix(parser): accept empty input") is
// denied with the reason Claude needs to write a better one; git's own options before
// `commit` (-c, -C, --git-dir…) are skipped, every -m counts (the subject is the first), and a
// message in a file (-F, --file) is let through with a note, as the plugin reads no files.
// Everything else: no opinion.

import { allow, deny, HookApp, log } from 'fasthooks-sdk';
import { commitMessage, isConventional, TYPES } from './message.js';

export const app = new HookApp('commit-style', '0.1.0');

app.preTool('Bash', (event) => {
  const found = commitMessage(event.command ?? '');
  if (found === null) return undefined;
  if (found.file !== undefined) {
    // The plugin reads no files (no grant asked for): say so instead of guessing.
    return allow({ message: `fasthooks commit-style: the message in ${found.file} was not checked (commit-style reads no files)` });
  }
  const subject = found.message.split('\n')[0];
  if (isConventional(subject)) return undefined;
  log('info', `refusing commit message: ${subject}`);
  return deny(
    `fasthooks commit-style: "${subject}" is not a Conventional Commit. ` +
      `Write "type(scope): summary" with type one of ${TYPES.join(', ')} ` +
      `and a summary of at most 72 characters, e.g. "fix(parser): accept empty input".`,
  );
});

export const { describe, handle, runTask, taskNames } = app.exports();
