// commit-style: a fasthooks plugin written in JavaScript (built with jco / componentize-js).
//
// PreToolUse for Bash: a `git commit -m "…"` whose message is not a Conventional Commit
// ("type(scope): summary", e.g. "fix(parser): accept empty input") is denied with the reason
// Claude needs to write a better one. Everything else gets no opinion.

import { log } from 'fasthooks:hooks/log@0.1.3';

const TYPES = ['feat', 'fix', 'docs', 'style', 'refactor', 'perf', 'test', 'build', 'ci', 'chore', 'revert'];
const CONVENTIONAL = new RegExp(`^(${TYPES.join('|')})(\\([a-z0-9._/-]+\\))?!?: \\S.{0,71}$`);

const NO_OPINION = {};

/// The message of the first `git commit -m MSG` (also `-am MSG`) / `--message=MSG` in a shell
/// command, if any.
export function commitMessage(command) {
  if (!/\bgit\s+commit\b/.test(command)) return null;
  const match = command.match(/\s(?:-[a-zA-Z]*m|--message)(?:\s+|=)(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+))/);
  if (!match) return null;
  return (match[1] ?? match[2] ?? match[3]).replace(/\\"/g, '"');
}

export function describe() {
  return {
    name: 'commit-style',
    version: '0.1.0',
    subscriptions: [{ event: 'PreToolUse', matcher: 'Bash' }],
    capabilities: [],
  };
}

export function handle(event) {
  const input = JSON.parse(event.rawJson).tool_input ?? {};
  const message = commitMessage(input.command ?? '');
  if (message === null) return NO_OPINION;
  const subject = message.split('\n')[0];
  if (CONVENTIONAL.test(subject)) return NO_OPINION;
  log('info', `refusing commit message: ${subject}`);
  return {
    decision: 'deny',
    reason:
      `fasthooks commit-style: "${subject}" is not a Conventional Commit. ` +
      `Write "type(scope): summary" with type one of ${TYPES.join(', ')} ` +
      `and a summary of at most 72 characters, e.g. "fix(parser): accept empty input".`,
  };
}

export function runTask(name, _args) {
  throw `commit-style has no task ${name}`;
}
