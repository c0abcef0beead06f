// Conventional Commits: what a commit message must look like, and where it is in a command.

export const TYPES = ['feat', 'fix', 'docs', 'style', 'refactor', 'perf', 'test', 'build', 'ci', 'chore', 'revert'];
const CONVENTIONAL = new RegExp(`^(${TYPES.join('|')})(\\([a-z0-9._/-]+\\))?!?: \\S.{0,71}$`);

/** The message of the first `git commit -m MSG` (also `-am MSG`, `--message=MSG`) in a shell command, if any. */
export function commitMessage(command) {
  if (!/\bgit\s+commit\b/.test(command)) return null;
  const match = command.match(/\s(?:-[a-zA-Z]*m|--message)(?:\s+|=)(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+))/);
  if (!match) return null;
  return (match[1] ?? match[2] ?? match[3]).replace(/\\"/g, '"');
}

export const isConventional = (subject) => CONVENTIONAL.test(subject);
