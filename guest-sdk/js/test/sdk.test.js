import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';
import { allow, ask, context, deny, HookApp, HostError, log, memory, PluginError, state, TaskStatus } from 'fasthooks-sdk';
import { events, logLines, queuedTasks, reset, respondWith, runEvent, runTask } from 'fasthooks-sdk/testing';

beforeEach(reset);

function guard() {
  const app = new HookApp('guard-js', '1.2.3');
  app.preTool('Bash', (event) => (event.command.includes('rm -rf') ? deny('Dangerous command') : undefined));
  app.preTool(['Write', 'Edit'], (event) => context(`writing ${event.filePath}`));
  app.onPrompt((event) => context(`prompt: ${event.prompt}`));
  return app;
}

test('describe declares each (event, matcher) once, in order', () => {
  const app = guard();
  app.preTool('Bash', () => undefined);
  assert.deepEqual(app.exports().describe(), {
    name: 'guard-js',
    version: '1.2.3',
    subscriptions: [
      { event: 'PreToolUse', matcher: 'Bash' },
      { event: 'PreToolUse', matcher: 'Write|Edit' },
      { event: 'UserPromptSubmit', matcher: '' },
    ],
    capabilities: [],
  });
  assert.deepEqual(app.exports().taskNames(), []);
  app.task('summarize', () => 'ok');
  app.task('review', () => 'ok');
  assert.deepEqual(app.exports().taskNames(), ['summarize', 'review']);
});

test('routes by event and matcher, with typed fields', async () => {
  const app = guard();
  assert.deepEqual(await runEvent(app, events.preTool('Bash', { command: 'rm -rf /' })), { decision: 'deny', reason: 'Dangerous command' });
  assert.deepEqual(await runEvent(app, events.preTool('Bash', { command: 'ls' })), {});
  assert.deepEqual(await runEvent(app, events.preTool('Edit', { file_path: 'a.rs' })), { additionalContext: 'writing a.rs' });
  assert.deepEqual(await runEvent(app, events.preTool('NotebookEdit', { file_path: 'a.rs' })), {});
  assert.deepEqual(await runEvent(app, events.prompt('hi')), { additionalContext: 'prompt: hi' });
  assert.deepEqual(await runEvent(app, events.stop()), {});
});

test('the first deny wins; other answers merge by the host rule', async () => {
  const app = new HookApp('merge');
  app.preTool('Bash', () => context('one'));
  app.preTool('*', () => ask('sure?'));
  app.preTool('Bash', () => ({ ...allow({ message: 'note' }), context: 'two' }));
  assert.deepEqual(await runEvent(app, events.preTool('Bash', { command: 'x' })), {
    decision: 'ask',
    reason: 'sure?',
    additionalContext: 'one\n\ntwo',
    systemMessage: 'note',
  });
  app.preTool('Bash', () => deny('no'), { when: (event) => event.command === 'bad' });
  assert.deepEqual(await runEvent(app, events.preTool('Bash', { command: 'bad' })), { decision: 'deny', reason: 'no' });
});

test('tasks run at once natively; add, pop, get, has, popAll, popErrors', async () => {
  const app = new HookApp('tasks-js');
  const analyze = app.task('analyze', (code) => `${code.split('\n').length} lines`, { ttl: 600 });
  const nothing = app.task('nothing', () => undefined);
  const broken = app.task('broken', () => {
    throw new RangeError('too big');
  });
  app.preTool('Write', (event, tasks) => {
    tasks.add(analyze, event.content);
    tasks.addWith(nothing, { key: 'n' });
    tasks.add(broken);
  });
  let seen;
  app.onPrompt((_event, tasks) => {
    seen = { got: tasks.get(analyze), has: tasks.has(analyze), popped: tasks.pop(analyze), again: tasks.pop(analyze), n: tasks.pop('n'), errors: tasks.popErrors() };
    return undefined;
  });
  await runEvent(app, events.preTool('Write', { file_path: 'a', content: 'a\nb' }));
  assert.deepEqual(
    queuedTasks().map((t) => [t.key, t.status]),
    [
      ['analyze', 'completed'],
      ['n', 'completed'],
      ['broken', 'failed'],
    ],
  );
  await runEvent(app, events.prompt('next'));
  assert.equal(seen.got.status, TaskStatus.COMPLETED);
  assert.equal(seen.got.value, '2 lines');
  assert.equal(seen.has, true);
  assert.equal(seen.popped, '2 lines');
  assert.equal(seen.again, undefined, 'a popped result is gone');
  assert.equal(seen.n, null, 'a task that returned nothing gives null, not undefined');
  assert.equal(seen.errors.length, 1);
  assert.equal(seen.errors[0][0], 'broken');
  assert.match(seen.errors[0][1], /^RangeError: too big \(sdk\.test\.js:\d+\)$/);
});

test('a plain task finishes inside add, as the host would have it by a wait; an async one cannot be waited for here', async () => {
  const app = new HookApp('waits');
  const square = app.task('square', (n) => n * n);
  const later = app.task('later', async () => 'late');
  const seen = {};
  app.onPrompt((_event, tasks) => {
    const added = tasks.addWith(square, { key: 'sq' }, 7);
    seen.added = added.status;
    seen.waited = tasks.wait('sq', 1000);
    seen.all = tasks.waitAll(['sq', 'missing'], 1000);
    seen.any = tasks.waitAny(['missing', 'sq'], 1000);
    seen.has = [tasks.has('sq'), tasks.has('missing'), tasks.has()];
    tasks.add(later);
    assert.throws(() => tasks.wait(later, 1000), /async and still running/);
  });
  await runEvent(app, events.prompt('x'));
  assert.deepEqual(seen, { added: 'completed', waited: 49, all: { sq: 49 }, any: ['sq', 49], has: [true, false, true] });
  assert.equal(queuedTasks().find((t) => t.key === 'later').status, 'completed', 'done once runEvent returns');
});

test('cancel, cancelAll and re-adding a key', async () => {
  const app = new HookApp('cancels');
  const slow = app.task('slow', async (n) => n);
  const seen = {};
  app.onPrompt((_event, tasks) => {
    tasks.addWith(slow, { key: 'a' }, 1);
    tasks.addWith(slow, { key: 'b' }, 2);
    tasks.addWith(slow, { key: 'c' }, 3);
    seen.cancelled = tasks.cancel('a');
    seen.again = tasks.cancel('a');
    seen.all = tasks.cancelAll();
    tasks.addWith(slow, { key: 'c' }, 4);
  });
  await runEvent(app, events.prompt('x'));
  assert.deepEqual(seen, { cancelled: true, again: false, all: 2 });
  assert.deepEqual(
    queuedTasks().map((t) => [t.key, t.status, t.value]),
    [
      ['a', 'cancelled', undefined],
      ['b', 'cancelled', undefined],
      ['c', 'completed', '4'],
    ],
  );
});

test('async tasks, transforms, options kept apart from arguments, and wake', async () => {
  const app = new HookApp('async-js');
  const fetchLike = app.task('fetch_like', async (url, key) => ({ url, key }), { transform: (v) => ({ ...v, done: true }) });
  app.onPrompt((event, tasks) => {
    tasks.addWith(fetchLike, { key: 'doc:1', wake: true }, event.prompt, 'key');
    assert.throws(() => tasks.addWith(fetchLike, { ttl: 1, keys: 'x' }), /unknown option keys/);
  });
  await runEvent(app, events.prompt('https://docs.rs'));
  assert.deepEqual(await runTask(app, fetchLike, 'u', 'k'), { url: 'u', key: 'k', done: true });
  const [task] = queuedTasks();
  assert.equal(task.key, 'doc:1');
  assert.equal(task.status, 'completed');
  assert.equal(task.wake, true, 'marked to wake Claude');
  assert.deepEqual(JSON.parse(task.value), { url: 'https://docs.rs', key: 'key', done: true });
});

test('a task name is registered once, and tasks.add refuses what is not a task', async () => {
  const app = new HookApp('names');
  app.task('t', () => 1);
  assert.throws(() => app.task('t', () => 2), PluginError);
  app.onPrompt((_e, tasks) => tasks.add(() => 1));
  await assert.rejects(runEvent(app, events.prompt('x')), (err) => {
    assert.equal(typeof err, 'string');
    assert.equal(err, 'PluginError: tasks.add takes a task made by app.task(name, fn)', 'a misuse has no place: the SDK noticed it');
    return true;
  });
});

test('a handler exception is one line naming plugin, class, message and place; its stack is logged', async () => {
  const app = new HookApp('thrower');
  app.onPrompt((event) => event.nothing.here);
  await assert.rejects(runEvent(app, events.prompt('x')), (err) => {
    assert.match(err, /^TypeError: .* \(sdk\.test\.js:\d+\)$/);
    assert.ok(!err.includes('\n'));
    return true;
  });
  const [line] = logLines();
  assert.equal(line.level, 'error');
  assert.match(line.message, /handling UserPromptSubmit/);
});

test('a malformed answer is refused with what to return', async () => {
  const app = new HookApp('bad-answer');
  app.onPrompt(() => 'yes');
  await assert.rejects(runEvent(app, events.prompt('x')), /return a response \(allow\(\), deny\(reason\)/);
  const unknown = new HookApp('bad-field');
  unknown.onPrompt(() => ({ additionalContext: 'x' }));
  await assert.rejects(runEvent(unknown, events.prompt('x')), /unknown field additionalContext: the fields are decision, reason, context/);
  const other = new HookApp('bad-decision');
  other.onPrompt(() => ({ decision: 'maybe' }));
  await assert.rejects(runEvent(other, events.prompt('x')), /unknown decision "maybe"/);
});

test('agent tasks get the agent first, with their options, and declare the capability', async () => {
  const app = new HookApp('reviewer');
  const review = app.agentTask('review', (agent, code) => agent.query(`Review:\n${code}`), {
    model: 'haiku',
    systemPrompt: 'You review code.',
    allowedTools: ['Read'],
    maxTurns: 3,
  });
  assert.deepEqual(app.describe().capabilities, ['agent']);
  const asked = [];
  respondWith((request) => {
    asked.push(request);
    return 'looks fine';
  });
  assert.equal(await runTask(app, review, 'fn main() {}'), 'looks fine');
  assert.deepEqual(asked, [
    { model: 'haiku', systemPrompt: 'You review code.', allowedTools: ['Read'], maxTurns: 3, maxBudgetUsd: undefined, prompt: 'Review:\nfn main() {}' },
  ]);
  reset();
  await assert.rejects(runTask(app, review, 'x'), /HostError: agent\.query: no agent in the native test mode/);
});

test('state per session and global, memory ranked, the log', async () => {
  const app = new HookApp('keeper');
  app.onPrompt((event) => {
    const count = (state.getJson('count') ?? 0) + 1;
    state.setJson('count', count);
    state.set('last', event.prompt, 'global');
    memory.remember(event.prompt);
    log('info', `prompt ${count}`);
    return context(`${count} ${memory.search('rust wasm', 1).map((n) => n.text).join()}`);
  });
  await runEvent(app, events.prompt('rust only'));
  assert.deepEqual(await runEvent(app, events.prompt('rust and wasm')), { additionalContext: '2 rust and wasm' });
  assert.deepEqual(await runEvent(app, events.prompt('other', { session_id: 's2' })), { additionalContext: '1 rust and wasm' });
  assert.equal(state.get('last', 'global'), 'other');
  assert.deepEqual(logLines().map((l) => l.message), ['prompt 1', 'prompt 2', 'prompt 1']);
  assert.throws(() => log('loud', 'x'), /unknown log level/);
  assert.throws(() => new HookApp('x').needs('everything'), /unknown capability/);
  assert.ok(new HostError('tasks.add', 'full').message === 'tasks.add: full');
});

test('an unknown event name, and a subscription the host would refuse, are refused by the test mode', async () => {
  await assert.rejects(runEvent(new HookApp('x'), events.of('PreTooluse')), /unknown event PreTooluse/);
  const typo = new HookApp('typo').on('PreTooluse', () => undefined);
  await assert.rejects(runEvent(typo, events.prompt('x')), /subscription to unknown event PreTooluse/);
  const lookahead = new HookApp('lookahead').preTool('(?!Bash)', () => undefined);
  await assert.rejects(runEvent(lookahead, events.prompt('x')), /look-around/);
});

test('the TypeScript EventName lists every event of the host table', async () => {
  const { readFileSync } = await import('node:fs');
  const { EVENT_NAMES } = await import('fasthooks-sdk');
  const types = readFileSync(new URL('../index.d.ts', import.meta.url), 'utf8');
  const union = types.slice(types.indexOf('export type EventName ='), types.indexOf(';', types.indexOf('export type EventName =')));
  const named = [...union.matchAll(/'(\w+)'/g)].map((m) => m[1]);
  assert.deepEqual([...named].sort(), [...EVENT_NAMES].sort());
});

test('the TypeScript EventFields name every event of the host table', async () => {
  const { readFileSync } = await import('node:fs');
  const { EVENT_NAMES } = await import('fasthooks-sdk');
  const types = readFileSync(new URL('../index.d.ts', import.meta.url), 'utf8');
  const start = types.indexOf('export interface EventFields {');
  const body = types.slice(start, types.indexOf('\n}\n', start));
  const named = [...body.matchAll(/^  (\w+): /gm)].map((m) => m[1]);
  assert.deepEqual([...named].sort(), [...EVENT_NAMES].sort());
});
