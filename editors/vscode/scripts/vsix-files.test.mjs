// node --test: the package's file list agrees with .vscodeignore and package.json.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ELF_MACHINE, expectedFiles, packagedName, vsixName } from './vsix-files.mjs';

const ext = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(ext, 'package.json'), 'utf8'));

test('.vscodeignore lets in exactly the expected files', () => {
  const allowed = readFileSync(join(ext, '.vscodeignore'), 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('!'))
    .map((l) => l.slice(1));
  assert.deepEqual(allowed.filter((f) => f !== 'server/mantile-lsp.exe').sort(), expectedFiles(true).sort());
});

test('the files the package needs are in the repository (or built: dist, schemas, server)', () => {
  for (const f of expectedFiles(false)) {
    if (f.startsWith('dist/') || f.startsWith('schemas/')) continue;
    assert.ok(existsSync(join(ext, f)), f);
  }
  assert.equal(pkg.icon, 'images/icon.png');
  assert.equal(pkg.main, './dist/extension.js');
  const png = readFileSync(join(ext, pkg.icon));
  assert.equal(png.subarray(1, 4).toString(), 'PNG');
  assert.ok(png.readUInt32BE(16) >= 128 && png.readUInt32BE(20) >= 128, 'the Marketplace wants at least 128×128');
});

test('package names and CPUs', () => {
  assert.equal(vsixName('0.1.0', 'linux-arm64'), 'mantile-linux-arm64-0.1.0.vsix');
  assert.equal(vsixName('0.1.0', 'universal'), 'mantile-0.1.0.vsix');
  assert.deepEqual(ELF_MACHINE, { 'linux-x64': 62, 'linux-arm64': 183 });
  assert.ok(expectedFiles(true).includes('server/mantile-lsp') && !expectedFiles(false).includes('server/mantile-lsp'));
  assert.deepEqual(['README.md', 'LICENSE', 'dist/extension.js'].map(packagedName), ['readme.md', 'LICENSE.txt', 'dist/extension.js']);
});
