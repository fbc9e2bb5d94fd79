import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  type Inspected,
  MACHINE_ONLY,
  hubMode,
  invalidRules,
  normalizeRules,
  parseLogLevel,
  readSettings,
  sanitizeConfiguration,
  serverSection,
} from '../settings';

const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8'));
const props = pkg.contributes.configuration.properties;

/**
 * A configuration in layers, as VS Code keeps it: `get` merges them (folder over workspace over
 * user over default, as an editor that did not honour `scope` would), `inspect` shows each.
 */
function layered(user: Record<string, unknown>, workspace: Record<string, unknown> = {}, folder: Record<string, unknown> = {}) {
  const defaults: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(props)) defaults[k.replace(/^mantile\./, '')] = (v as { default?: unknown }).default;
  const get = (k: string) => folder[k] ?? workspace[k] ?? user[k] ?? defaults[k];
  const inspect = (k: string): Inspected => ({
    defaultValue: defaults[k],
    globalValue: user[k],
    workspaceValue: workspace[k],
    workspaceFolderValue: folder[k],
  });
  return readSettings(get, inspect);
}

test('defaults when nothing is set', () => {
  assert.deepEqual(layered({}), {
    serverPath: '',
    hubEnabled: true,
    hubOffline: false,
    hubEndpoint: '',
    hubHome: '',
    rules: {},
    logLevel: undefined,
    debounceMs: 20,
  });
});

test('a workspace cannot set server.path, hub.endpoint or hub.home: its values are ignored', () => {
  const hostile = {
    'server.path': '/tmp/evil/mantile-lsp',
    'hub.endpoint': 'https://attacker.example',
    'hub.home': '/tmp/evil-home',
  };
  for (const s of [layered({}, hostile), layered({}, {}, hostile)]) {
    assert.equal(s.serverPath, '');
    assert.equal(s.hubEndpoint, '');
    assert.equal(s.hubHome, '');
    assert.deepEqual(serverSection(s).hub, { enabled: true, offline: false, endpoint: null, home: null });
  }
  // The user's own values win over the workspace's, and are the ones used.
  const mine = layered({ 'hub.endpoint': 'https://hf-mirror.example', 'server.path': '/opt/m/mantile-lsp' }, hostile);
  assert.equal(mine.hubEndpoint, 'https://hf-mirror.example');
  assert.equal(mine.serverPath, '/opt/m/mantile-lsp');
  assert.equal(mine.hubHome, '');
  // Other settings are the workspace's to choose.
  assert.deepEqual(layered({}, { rules: { MC064: 'off' }, 'hub.offline': true }).rules, { MC064: 'off' });
});

test('package.json: the machine-only settings have machine scope', () => {
  for (const key of MACHINE_ONLY) {
    assert.ok(['machine', 'application'].includes(props[`mantile.${key}`].scope), `mantile.${key} scope`);
  }
  // No other setting claims a scope that would hide it from workspaces by mistake.
  const machine = Object.keys(props).filter((k) => ['machine', 'application'].includes(props[k].scope));
  assert.deepEqual(machine.sort(), MACHINE_ONLY.map((k) => `mantile.${k}`).sort());
});

test('workspace/configuration answers carry the safe section, whatever the editor returned', () => {
  const s = layered({ 'hub.endpoint': 'https://hf-mirror.example' }, { 'hub.endpoint': 'https://attacker.example', 'hub.home': '/x' });
  const section = serverSection(s, 'info');
  // What an editor that ignored `scope` would answer: the workspace's values.
  const raw = [
    { hub: { endpoint: 'https://attacker.example', home: '/x' }, rules: {} },
    { endpoint: 'https://attacker.example' },
    { mantile: { hub: { endpoint: 'https://attacker.example' } }, editor: { tabSize: 2 } },
    { tabSize: 4 },
  ];
  const out = sanitizeConfiguration([{ section: 'mantile' }, { section: 'mantile.hub' }, {}, { section: 'editor' }], raw, section) as Record<string, unknown>[];
  assert.deepEqual(out[0], section);
  assert.equal((out[0].hub as { endpoint: string }).endpoint, 'https://hf-mirror.example');
  assert.deepEqual(out[1], { enabled: true, offline: false, endpoint: 'https://hf-mirror.example', home: null });
  assert.deepEqual(out[2], { mantile: section, editor: { tabSize: 2 } });
  assert.deepEqual(out[3], { tabSize: 4 });
});

test('reads and trims every setting', () => {
  const s = layered({
    'server.path': '  /opt/mantile-lsp ',
    'hub.offline': true,
    'hub.endpoint': 'https://hf-mirror.example ',
    rules: { MC064: 'off' },
    logLevel: 'loud',
  });
  assert.equal(s.serverPath, '/opt/mantile-lsp');
  assert.equal(s.hubOffline, true);
  assert.equal(s.hubEndpoint, 'https://hf-mirror.example');
  assert.deepEqual(s.rules, { MC064: 'off' });
  assert.equal(s.logLevel, 'info', 'an unknown level is info');
});

test('log levels are the server\'s four; older names map as the server reads them', () => {
  assert.deepEqual(props['mantile.logLevel'].enum, ['error', 'warning', 'info', 'log']);
  assert.equal(props['mantile.logLevel'].enumDescriptions.length, 4);
  assert.equal(props['mantile.logLevel'].default, 'info');
  assert.equal(layered({ logLevel: 'log' }).logLevel, 'log');
  assert.equal(layered({}, { logLevel: 'error' }).logLevel, 'error');
  assert.equal(parseLogLevel('warn'), 'warning');
  assert.equal(parseLogLevel('debug'), 'log');
  assert.equal(parseLogLevel('trace'), 'log');
  assert.equal(serverSection(layered({}), 'log').logLevel, 'log', 'unset: the channel level');
  assert.equal(serverSection(layered({ logLevel: 'error' }), 'log').logLevel, 'error', 'set: the setting');
});

test('rules: codes upper-cased, names kept, bad entries dropped and reported', () => {
  const raw = { mc060: 'Warning', 'parameter-count': 'off', MC061: 'loud', 'Bad Name': 'error', MC0: 'error' };
  assert.deepEqual(normalizeRules(raw), { MC060: 'warning', 'parameter-count': 'off' });
  assert.deepEqual(invalidRules(raw), ['MC061', 'Bad Name', 'MC0']);
  assert.deepEqual(normalizeRules(['MC060']), {});
  assert.deepEqual(normalizeRules(null), {});
});

test('the server section (initializationOptions, workspace/configuration)', () => {
  const s = layered({ rules: { MC064: 'off' }, logLevel: 'log', 'hub.offline': true });
  assert.deepEqual(serverSection(s), {
    rules: { MC064: 'off' },
    logLevel: 'log',
    debounceMs: 20,
    hub: { enabled: true, offline: true, endpoint: null, home: null },
  });
  const t = layered({ debounceMs: 0, 'hub.enabled': false, 'hub.home': ' /data/hf ' });
  assert.deepEqual(serverSection(t).hub, { enabled: false, offline: false, endpoint: null, home: '/data/hf' });
  assert.equal(serverSection(t).debounceMs, 0);
});

test('debounce: a whole number of milliseconds within 0..1000, else the default', () => {
  const ms = (v: unknown) => layered({ debounceMs: v }).debounceMs;
  assert.equal(ms(35.6), 36);
  assert.equal(ms(-5), 0);
  assert.equal(ms(60000), 1000);
  assert.equal(ms('10'), 20);
  assert.equal(ms(Number.NaN), 20);
});

test('hub mode: cached when the setting or HF_HUB_OFFLINE says offline', () => {
  const none = layered({});
  assert.equal(hubMode(none, {}), 'live');
  assert.equal(hubMode(none, { HF_HUB_OFFLINE: 'true' }), 'cached');
  assert.equal(hubMode(none, { HF_HUB_OFFLINE: '0' }), 'live');
  assert.equal(hubMode(layered({ 'hub.offline': true }), {}), 'cached');
});
