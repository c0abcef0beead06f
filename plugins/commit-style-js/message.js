// Conventional Commits: what a commit message must look like, and where it is in a command.

export const TYPES = ['feat', 'fix', 'docs', 'style', 'refactor', 'perf', 'test', 'build', 'ci', 'chore', 'revert'];
const CONVENTIONAL = new RegExp(`^(${TYPES.join('|')})(\\([a-z0-9._/-]+\\))?!?: \\S.{0,71}$`);

export const isConventional = (subject) => CONVENTIONAL.test(subject);

// Shell words of a command line, split into simple commands at ; & | && || and newlines.
// Quotes and backslashes as a POSIX shell reads them; expansions are left as written.
export function simpleCommands(line) {
  const commands = [[]];
  let word = null;
  const end = () => {
    if (word !== null) commands[commands.length - 1].push(word);
    word = null;
  };
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === "'") {
      const close = line.indexOf("'", i + 1);
      const stop = close < 0 ? line.length : close;
      word = (word ?? '') + line.slice(i + 1, stop);
      i = stop;
    } else if (c === '"') {
      word = word ?? '';
      for (i++; i < line.length && line[i] !== '"'; i++) {
        if (line[i] === '\\' && i + 1 < line.length && '"\\$`\n'.includes(line[i + 1])) i++;
        word += line[i];
      }
    } else if (c === '\\' && i + 1 < line.length) {
      word = (word ?? '') + line[++i];
    } else if (/\s/.test(c) && c !== '\n') {
      end();
    } else if (';&|\n'.includes(c)) {
      end();
      commands.push([]);
    } else {
      word = (word ?? '') + c;
    }
  }
  end();
  return commands.filter((words) => words.length > 0);
}

const WRAPPERS = new Set(['env', 'command', 'exec', 'sudo', 'nohup', 'time']);

// git's options before the subcommand that take a value as the next word.
const GIT_VALUE_OPTIONS = new Set(['-c', '-C', '--git-dir', '--work-tree', '--namespace', '--exec-path', '--config-env']);

/**
 * What the first `git … commit` of a shell command says its message is: `{ message }` (every
 * `-m`/`--message` joined as git joins them, by a blank line), `{ file }` for `-F`/`--file`,
 * or null when there is no such commit or no message on the command line.
 */
export function commitMessage(command) {
  for (const words of simpleCommands(command)) {
    // The command word: after variable assignments and wrappers that run the rest.
    let i = 0;
    while (i < words.length && (/^[A-Za-z_][A-Za-z0-9_]*=/.test(words[i]) || WRAPPERS.has(words[i]))) i++;
    if (words[i] !== 'git' && !words[i]?.endsWith('/git')) continue;
    for (i++; i < words.length && words[i].startsWith('-'); i++) {
      if (GIT_VALUE_OPTIONS.has(words[i])) i++;
    }
    if (words[i] !== 'commit') continue;
    const messages = [];
    let file = null;
    for (let j = i + 1; j < words.length; j++) {
      const w = words[j];
      if (w === '--') break;
      const long = w.match(/^--(message|file)(?:=(.*))?$/);
      if (long) {
        const value = long[2] ?? words[++j];
        if (value === undefined) continue;
        if (long[1] === 'message') messages.push(value);
        else file = value;
        continue;
      }
      // Short options bundle (`-am MSG`, `-amMSG`): m and F take the rest, or the next word.
      const short = w.match(/^-([a-zA-Z]*?)([mF])(.*)$/);
      if (short && !w.startsWith('--')) {
        const value = short[3] !== '' ? short[3] : words[++j];
        if (value === undefined) continue;
        if (short[2] === 'm') messages.push(value);
        else file = value;
      }
    }
    if (messages.length > 0) return { message: messages.join('\n\n') };
    if (file !== null) return { file };
    return null;
  }
  return null;
}
