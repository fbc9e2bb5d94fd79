import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type ResolveInput, resolveServer } from '../serverPath';

const base: ResolveInput = {
  setting: '',
  extensionPath: '/ext',
  envPath: '/usr/local/bin:/usr/bin',
  platform: 'linux',
  home: '/home/me',
};
const files = (...present: string[]) => ({ isFile: (p: string) => present.includes(p) });

test('the setting wins over the bundled binary and PATH', () => {
  const r = resolveServer({ ...base, setting: '/opt/m/mantile-lsp' }, files('/opt/m/mantile-lsp', '/ext/server/mantile-lsp', '/usr/bin/mantile-lsp'));
  assert.deepEqual(r, { command: '/opt/m/mantile-lsp', source: 'setting' });
});

test('a relative setting is refused (it would run what the workspace ships); ~ is home', () => {
  const r = resolveServer({ ...base, setting: 'target/release/mantile-lsp' }, files('/ws/target/release/mantile-lsp', '/ext/server/mantile-lsp'));
  assert.ok('error' in r);
  assert.match(r.error, /relative path\. Use an absolute path/);
  assert.ok('error' in resolveServer({ ...base, setting: './mantile-lsp' }, files('mantile-lsp')));
  assert.deepEqual(resolveServer({ ...base, setting: '~/bin/mantile-lsp' }, files('/home/me/bin/mantile-lsp')), {
    command: '/home/me/bin/mantile-lsp',
    source: 'setting',
  });
});

test('a setting that names no file is an error, not a silent fallback', () => {
  const r = resolveServer({ ...base, setting: '/nope' }, files('/ext/server/mantile-lsp'));
  assert.ok('error' in r);
  assert.match(r.error, /mantile\.server\.path is set to "\/nope"/);
});

test('then the binary shipped in the extension', () => {
  assert.deepEqual(resolveServer(base, files('/ext/server/mantile-lsp', '/usr/bin/mantile-lsp')), {
    command: '/ext/server/mantile-lsp',
    source: 'bundled',
  });
});

test('relative PATH entries are skipped', () => {
  assert.deepEqual(resolveServer({ ...base, envPath: '.:bin:/usr/bin' }, files('mantile-lsp', 'bin/mantile-lsp', '/usr/bin/mantile-lsp')), {
    command: '/usr/bin/mantile-lsp',
    source: 'path',
  });
});

test('then the first mantile-lsp on PATH', () => {
  assert.deepEqual(resolveServer(base, files('/usr/bin/mantile-lsp', '/usr/local/bin/mantile-lsp')), {
    command: '/usr/local/bin/mantile-lsp',
    source: 'path',
  });
});

test('none found: a clear error that says how to fix it, and what was tried', () => {
  const r = resolveServer(base, files());
  assert.ok('error' in r);
  assert.match(r.error, /cargo build --release -p mantile-lsp/);
  assert.match(r.error, /mantile\.server\.path/);
  assert.deepEqual(r.tried, ['/ext/server/mantile-lsp', '/usr/local/bin/mantile-lsp', '/usr/bin/mantile-lsp']);
});

test('Windows: .exe, ; separated PATH, PATHEXT', () => {
  const win: ResolveInput = { ...base, platform: 'win32', extensionPath: 'C:\\ext', envPath: 'C:\\bin;D:\\tools', pathExt: '.COM;.EXE' };
  assert.deepEqual(resolveServer(win, files('C:\\ext\\server\\mantile-lsp.exe')), { command: 'C:\\ext\\server\\mantile-lsp.exe', source: 'bundled' });
  assert.deepEqual(resolveServer(win, files('D:\\tools\\mantile-lsp.exe')), { command: 'D:\\tools\\mantile-lsp.exe', source: 'path' });
});
