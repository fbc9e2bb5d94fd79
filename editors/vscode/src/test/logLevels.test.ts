import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ChannelLevel,
  channelHides,
  channelLevelFor,
  levelOfMessageType,
  methodForMessageType,
  passes,
  routeClientLine,
  serverLevelForChannel,
} from '../logLevels';
import { LOG_LEVELS } from '../settings';

test('each LSP MessageType is written at the channel level of the server level it belongs to', () => {
  // MessageType: Error 1, Warning 2, Info 3, Log 4, Debug 5 (LSP 3.18).
  assert.deepEqual([1, 2, 3, 4, 5].map(methodForMessageType), ['error', 'warn', 'info', 'debug', 'debug']);
  assert.deepEqual([1, 2, 3, 4, 5].map(levelOfMessageType), ['error', 'warning', 'info', 'log', 'log']);
});

test('server levels and channel levels round-trip', () => {
  for (const level of LOG_LEVELS) assert.equal(serverLevelForChannel(channelLevelFor(level)), level);
  assert.equal(serverLevelForChannel(ChannelLevel.Trace), 'log');
  assert.equal(serverLevelForChannel(ChannelLevel.Off), 'error');
});

test('a level passes the threshold as in the server (error < warning < info < log)', () => {
  assert.ok(passes('error', 'info'));
  assert.ok(passes('info', 'info'));
  assert.ok(!passes('log', 'info'));
  assert.ok(!passes('warning', 'error'));
  assert.ok(passes('log', 'log'));
});

test('the channel hides `log` messages unless it shows Debug', () => {
  assert.ok(channelHides('log', ChannelLevel.Info));
  assert.ok(!channelHides('log', ChannelLevel.Debug));
  assert.ok(!channelHides('log', ChannelLevel.Trace));
  assert.ok(!channelHides('info', ChannelLevel.Info));
  assert.ok(channelHides('info', ChannelLevel.Warning));
  assert.ok(channelHides('error', ChannelLevel.Off));
});

test("the language client's own lines are written at their level", () => {
  assert.deepEqual(routeClientLine('[Error - 10:02:03 AM] Mantile client: couldn\'t create connection'), {
    method: 'error',
    message: "Mantile client: couldn't create connection",
  });
  assert.deepEqual(routeClientLine('[Warn  - 10:02:03] x'), { method: 'warn', message: 'x' });
  assert.deepEqual(routeClientLine('[Trace - 1:00:00] y'), { method: 'debug', message: 'y' });
  assert.deepEqual(routeClientLine('plain'), { method: 'info', message: 'plain' });
});
