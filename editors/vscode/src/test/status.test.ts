import assert from 'node:assert/strict';
import { test } from 'node:test';
import { statusView } from '../status';

test('status bar shows the state and whether Hub metadata is live or cached', () => {
  assert.equal(statusView('starting', 'live').text, '$(sync~spin) Mantile · Hub live');
  const ready = statusView('ready', 'cached', 'mantile-lsp 0.1.0');
  assert.equal(ready.text, '$(check) Mantile · Hub cached');
  assert.match(ready.tooltip, /running: mantile-lsp 0\.1\.0/);
  assert.match(ready.tooltip, /from the cache/);
  assert.equal(ready.isError, false);
  const err = statusView('error', 'live', 'server binary not found');
  assert.equal(err.text, '$(error) Mantile · Hub live');
  assert.equal(err.isError, true);
});

test('the Hub mode the server reports is shown as it is', () => {
  assert.equal(statusView('ready', 'unreachable').text, '$(check) Mantile · Hub unreachable');
  assert.match(statusView('ready', 'offline').tooltip, /offline, and nothing cached/);
  assert.equal(statusView('ready', 'error').text, '$(check) Mantile · Hub error');
});
