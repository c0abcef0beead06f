// The shared matcher table (tests/fixtures/matchers.json), the one the host, the Rust SDK and
// a Python plugin are tested with: the native test mode must route exactly as the host does.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { matchedSubscriptions } from '../src/host/native.js';

const table = JSON.parse(readFileSync(new URL('../../../tests/fixtures/matchers.json', import.meta.url)));

test('every case of the shared matcher table', () => {
  assert.ok(table.cases.length > 40);
  for (const { event, matcher, expected } of table.cases) {
    const name = event.hook_event_name;
    const run = () => matchedSubscriptions([{ event: name, matcher }], event).length === 1;
    if (expected === 'refused') {
      assert.throws(run, /matcher/, `${JSON.stringify(matcher)} on ${JSON.stringify(event)} is refused`);
    } else {
      assert.equal(run(), expected, `${JSON.stringify(matcher)} on ${JSON.stringify(event)}`);
    }
  }
});
