// The protocol is declared twice, once per language (crates/mantile-lsp/src/server/lsp_ext.rs and
// src/lsp_ext.ts): these tests read both and fail when they drift apart.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import * as ext from '../lsp_ext';

const rust = readFileSync(join(__dirname, '..', '..', '..', 'crates', 'mantile-lsp', 'src', 'server', 'lsp_ext.rs'), 'utf8');
const ts = readFileSync(join(__dirname, '..', 'src', 'lsp_ext.ts'), 'utf8');

const camel = (s: string) => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/** `struct name → its fields (camelCase, as serde writes them)`. */
function rustStructs(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const m of rust.matchAll(/pub struct (\w+) \{([^}]*)\}/g)) {
    out.set(m[1], [...m[2].matchAll(/^\s*pub (\w+):/gm)].map((f) => camel(f[1])).sort());
  }
  return out;
}

function tsInterfaces(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const m of ts.matchAll(/export interface (\w+) \{([^}]*)\}/g)) {
    out.set(m[1], [...m[2].matchAll(/^\s*(\w+)\??:/gm)].map((f) => f[1]).sort());
  }
  return out;
}

test('every message and command name is the same on both sides', () => {
  const names = (src: string) => [...src.matchAll(/'(mantile\/\w+|mantile-lsp\.\w+)'|"(mantile\/\w+|mantile-lsp\.\w+)"/g)].map((m) => m[1] ?? m[2]);
  const fromRust = new Set(names(rust));
  const fromTs = new Set(names(ts));
  assert.deepEqual([...fromTs].sort(), [...fromRust].sort());
  assert.ok(fromRust.has('mantile/registry') && fromRust.has('mantile-lsp.newConfig'));
  assert.equal(ext.registry.method, 'mantile/registry');
  assert.equal(ext.inspect.method, 'mantile/inspect');
  assert.equal(ext.hubStatus.method, 'mantile/hubStatus');
});

test('every parameter and result type has the same fields on both sides', () => {
  const r = rustStructs();
  const t = tsInterfaces();
  assert.ok(t.size >= 10, `found ${t.size} interfaces`);
  for (const [name, fields] of t) {
    assert.ok(r.has(name), `lsp_ext.rs has no struct ${name}`);
    assert.deepEqual(fields, r.get(name), `the fields of ${name}`);
  }
  // The Rust structs with fields all have their TypeScript twin.
  for (const [name, fields] of r) if (fields.length) assert.ok(t.has(name), `lsp_ext.ts has no interface ${name}`);
});
