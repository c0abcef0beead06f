// seed-scenarios-js: the JavaScript twin of plugins/seed-scenarios (the seed's background-task
// examples as scenarios driven by prompts), on fasthooks-sdk.

import { allow, context, HookApp } from 'fasthooks-sdk';

export const app = new HookApp('seed-scenarios-js', '0.1.0');

const analyzeCode = app.task('analyze_code', (code) => `Analysis complete: ${[...code].length} chars`);
const importantTask = app.task('important_task', (query) => `found:${query}`, { ttl: 600, priority: 5 });
const longOutputTask = app.task('long_output_task', () => 'abcdefghij', { transform: (r) => r.slice(0, 5) });
const fetchPage = app.task('fetch', (page) => `page ${page}`);
const double = app.task('double', (x) => x * 2);
const riskyTask = app.task('risky_task', () => {
  throw new Error('Something went wrong');
});

const orNone = (value) => (value === undefined || value === null ? 'none' : String(value));
const pairs = (results) =>
  Object.entries(results)
    .map(([key, value]) => `${key}:${value}`)
    .sort()
    .join(',');

app.preTool('Write', (event, tasks) => {
  tasks.add(analyzeCode, event.content ?? '');
  return allow();
});

const SCENARIOS = {
  'quick-start': (tasks) => {
    const result = tasks.pop(analyzeCode);
    return result === undefined ? undefined : `Previous analysis: ${result}`;
  },
  'options add': (tasks) => {
    tasks.add(importantTask, 'q');
    tasks.add(longOutputTask);
    tasks.addWith(fetchPage, { key: 'fetch:a' }, 'a');
    tasks.addWith(fetchPage, { key: 'fetch:b' }, 'b');
    return 'added';
  },
  'options check': (tasks) =>
    `important=${orNone(tasks.pop(importantTask))} long=${orNone(tasks.pop(longOutputTask))} ` +
    `fetch:a=${orNone(tasks.pop('fetch:a'))} fetch:b=${orNone(tasks.pop('fetch:b'))}`,
  'methods add': (tasks) => {
    for (const [key, x] of [['a', 2], ['b', 3], ['c', 4]]) tasks.addWith(double, { key }, x);
    tasks.add(riskyTask);
    return 'added';
  },
  'methods check': (tasks) => {
    const has = tasks.has('a');
    const info = tasks.get('a');
    const popped = tasks.pop('a');
    const again = tasks.pop('a');
    const cancel = tasks.cancel('b');
    const wait = tasks.wait('b', 1000);
    const all = pairs(tasks.waitAll(['b', 'c'], 1000));
    const first = tasks.waitAny(['c'], 1000);
    const popAll = pairs(tasks.popAll());
    const errors = tasks
      .popErrors()
      .map(([key, error]) => `${key}:${error.includes('Something went wrong')}`)
      .join(',');
    return (
      `has=${has} status=${orNone(info?.status)} get=${orNone(info?.value)} pop=${orNone(popped)} ` +
      `again=${orNone(again)} cancel=${cancel} wait=${orNone(wait)} all=${all} ` +
      `any=${first ? `${first[0]}:${first[1]}` : 'none'} popall=${popAll} errors=${errors} ` +
      `has_after=${tasks.has()} cancel_all=${tasks.cancelAll()}`
    );
  },
  waiting: (tasks) => {
    tasks.addWith(double, { key: 'w' }, 21);
    const result = tasks.wait('w', 10_000);
    const results = tasks.waitAll(['w'], 30_000);
    const [key, value] = tasks.waitAny(['w'], 30_000) ?? [];
    return `wait=${orNone(result)} all=${pairs(results)} any=${key}:${value}`;
  },
  'status add': (tasks) => {
    tasks.addWith(double, { key: 's1' }, 1);
    tasks.addWith(riskyTask, { key: 's2' });
    return 'added';
  },
  'status check': (tasks) => {
    const status = (key) => orNone(tasks.get(key)?.status);
    return `s1=${status('s1')} s2=${status('s2')} nothing=${status('nothing')}`;
  },
};

app.onPrompt((event, tasks) => {
  const run = SCENARIOS[(event.prompt ?? '').trim()];
  const line = run ? run(tasks) : undefined;
  return line === undefined ? undefined : context(line);
});

export const { describe, handle, runTask, taskNames } = app.exports();
