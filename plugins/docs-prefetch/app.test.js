import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, beforeEach, test } from 'node:test';
import { events, queuedTasks, reset, runEvent } from 'fasthooks-sdk/testing';
import { app } from './app.js';

let server;
let base;
const served = [];

before(async () => {
  server = createServer((request, response) => {
    served.push(request.url);
    if (request.url === '/moved') {
      response.writeHead(302, { location: '/page' });
      return response.end();
    }
    if (request.url === '/missing') {
      response.writeHead(404);
      return response.end();
    }
    response.end(`docs of ${request.url} ${'x'.repeat(6000)}`);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${server.address().port}`;
});
after(() => server.close());
beforeEach(() => {
  reset();
  served.length = 0;
});

test('prefetches a WebFetch page once, and the PostToolUse of that URL gets its first 5,000 characters', async () => {
  const url = `${base}/page`;
  assert.deepEqual(await runEvent(app, events.preTool('WebFetch', { url, prompt: 'p' })), {});
  assert.deepEqual(await runEvent(app, events.preTool('WebFetch', { url, prompt: 'p' })), {});
  assert.deepEqual(served, ['/page'], 'fetched once within the ttl');
  const answer = await runEvent(app, events.postTool('WebFetch', { url, prompt: 'p' }));
  assert.ok(answer.additionalContext.startsWith(`Documentation prefetched from ${url}:\ndocs of /page x`));
  assert.equal(answer.additionalContext.length, `Documentation prefetched from ${url}:\n`.length + 5000);
  assert.deepEqual(await runEvent(app, events.prompt('next')), {}, 'popped once');
});

test('follows a redirect, and the next prompt gets every page ready', async () => {
  await runEvent(app, events.preTool('WebFetch', { url: `${base}/moved` }));
  await runEvent(app, events.preTool('WebFetch', { url: `${base}/other` }));
  const answer = await runEvent(app, events.prompt('go on'));
  assert.match(answer.additionalContext, new RegExp(`from ${base}/page:\\ndocs of /page`));
  assert.match(answer.additionalContext, new RegExp(`from ${base}/other:\\ndocs of /other`));
});

test('a failed fetch is an error of its task, and may be tried again', async () => {
  const url = `${base}/missing`;
  await runEvent(app, events.preTool('WebFetch', { url }));
  const [task] = queuedTasks();
  assert.equal(task.status, 'failed');
  assert.equal(task.error, `${url} answered 404`);
  await runEvent(app, events.preTool('WebFetch', { url }));
  assert.deepEqual(served, ['/missing', '/missing']);
});

test('at most 10 fetches a minute per host, across sessions', async () => {
  for (let i = 0; i < 12; i++) {
    await runEvent(app, events.preTool('WebFetch', { url: `${base}/p${i}` }, { session_id: `s${i % 2}` }));
  }
  assert.equal(served.length, 10);
});
