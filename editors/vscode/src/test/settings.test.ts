import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  hubMode,
  initializationOptions,
  invalidRules,
  normalizeRules,
  readSettings,
  ruleArgs,
  serverEnv,
} from '../settings';

const stub = (values: Record<string, unknown>) => (k: string) => values[k];

test('defaults when nothing is set', () => {
  const s = readSettings(stub({}));
  assert.deepEqual(s, {
    serverPath: '',
    hubEnabled: true,
    hubOffline: false,
    hubEndpoint: '',
    hubHome: '',
    rules: {},
    logLevel: 'info',
    debounceMs: 20,
  });
});

test('reads and trims every setting; unknown log levels fall back to info', () => {
  const s = readSettings(
    stub({
      'server.path': '  /opt/mantile-lsp ',
      'hub.offline': true,
      'hub.endpoint': 'https://hf-mirror.example ',
      rules: { MC064: 'off' },
      logLevel: 'loud',
    }),
  );
  assert.equal(s.serverPath, '/opt/mantile-lsp');
  assert.equal(s.hubOffline, true);
  assert.equal(s.hubEndpoint, 'https://hf-mirror.example');
  assert.deepEqual(s.rules, { MC064: 'off' });
  assert.equal(s.logLevel, 'info');
  assert.equal(readSettings(stub({ logLevel: 'debug' })).logLevel, 'debug');
});

test('rules: codes upper-cased, names kept, bad entries dropped and reported', () => {
  const raw = { mc060: 'Warning', 'parameter-count': 'off', MC061: 'loud', 'Bad Name': 'error', MC0: 'error' };
  assert.deepEqual(normalizeRules(raw), { MC060: 'warning', 'parameter-count': 'off' });
  assert.deepEqual(invalidRules(raw), ['MC061', 'Bad Name', 'MC0']);
  assert.deepEqual(normalizeRules(['MC060']), {});
  assert.deepEqual(normalizeRules(null), {});
});

test('env: offline and endpoint become HF_HUB_OFFLINE and HF_ENDPOINT; the rest is inherited', () => {
  const base = { PATH: '/bin', HF_TOKEN: 't', HF_HUB_OFFLINE: undefined };
  const off = serverEnv(readSettings(stub({ 'hub.offline': true, 'hub.endpoint': 'http://127.0.0.1:9' })), base);
  assert.deepEqual(off, { PATH: '/bin', HF_TOKEN: 't', HF_HUB_OFFLINE: '1', HF_ENDPOINT: 'http://127.0.0.1:9' });
  const on = serverEnv(readSettings(stub({})), { PATH: '/bin', HF_HUB_OFFLINE: '1', HF_ENDPOINT: 'x' });
  assert.deepEqual(on, { PATH: '/bin', HF_HUB_OFFLINE: '1', HF_ENDPOINT: 'x' }, 'unset settings leave the user environment alone');
});

test('initializationOptions carry the mantile section', () => {
  const s = readSettings(stub({ rules: { MC064: 'off' }, logLevel: 'debug', 'hub.offline': true }));
  assert.deepEqual(initializationOptions(s), {
    rules: { MC064: 'off' },
    logLevel: 'debug',
    debounceMs: 20,
    hub: { enabled: true, offline: true, endpoint: null, home: null },
  });
  const t = readSettings(stub({ debounceMs: 0, 'hub.enabled': false, 'hub.home': ' /data/hf ' }));
  assert.deepEqual(initializationOptions(t).hub, { enabled: false, offline: false, endpoint: null, home: '/data/hf' });
  assert.equal(initializationOptions(t).debounceMs, 0);
});

test('debounce: a whole number of milliseconds within 0..1000, else the default', () => {
  const ms = (v: unknown) => readSettings(stub({ debounceMs: v })).debounceMs;
  assert.equal(ms(35.6), 36);
  assert.equal(ms(-5), 0);
  assert.equal(ms(60000), 1000);
  assert.equal(ms('10'), 20);
  assert.equal(ms(Number.NaN), 20);
});

test('rule arguments for check, sorted', () => {
  assert.deepEqual(ruleArgs({ MC064: 'off', MC060: 'warning' }), ['--rule', 'MC060=warning', '--rule', 'MC064=off']);
  assert.deepEqual(ruleArgs({}), []);
});

test('hub mode: cached when the setting or HF_HUB_OFFLINE says offline', () => {
  const none = readSettings(stub({}));
  assert.equal(hubMode(none, {}), 'live');
  assert.equal(hubMode(none, { HF_HUB_OFFLINE: 'true' }), 'cached');
  assert.equal(hubMode(none, { HF_HUB_OFFLINE: '0' }), 'live');
  assert.equal(hubMode(readSettings(stub({ 'hub.offline': true })), {}), 'cached');
});
