import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CONFIG_GLOB, GAP_GLOB, SPEC_GLOB, activationEvents, configPathFor, documentSelector, validModelId } from '../patterns';

// The tests run from out-test/; package.json is one folder up.
const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8'));

/** The subset of VS Code's glob syntax the patterns use: `**` (any folders) and `*` (within a name). */
function globRegex(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (glob.startsWith('**/', i)) {
      re += '(?:.*/)?';
      i += 2;
    } else if (c === '*') re += '[^/]*';
    else re += c.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}
const claimed = (p: string) => documentSelector.some((f) => f.scheme === 'file' && globRegex(f.pattern).test(p));

test('the selector claims model configs, test specs and gap reports', () => {
  assert.ok(claimed('/ws/backend/data/model_configs/acme_Wide-MoE-2B.json'));
  assert.ok(claimed('/home/u/mantile/tests/attention_tests.md'));
  assert.ok(claimed('/home/u/mantile/model_builder/gaps/multi_token_prediction.md'));
  // README.md of gaps/ is claimed by the glob but the server classifies it as no Mantile file.
  assert.ok(claimed('/ws/model_builder/gaps/README.md'));
});

test('the selector does not claim other JSON or Markdown files', () => {
  for (const p of [
    '/ws/package.json',
    '/ws/backend/data/model_configs/sub/x.json',
    '/ws/backend/data/other/x.json',
    '/ws/backend/data/model_configs/notes.md',
    '/ws/README.md',
    '/ws/tests/README.md',
    '/ws/tests/sub/attention_tests.md',
    '/ws/model_builder/gaps/sub/x.md',
    '/ws/model_builder/x.md',
    '/ws/model_builder/gaps/x.json',
    '/ws/model_builder/AGENT_CREATE_CONFIG.md',
  ]) {
    assert.ok(!claimed(p), p);
  }
});

test('package.json agrees: activation events and jsonValidation', () => {
  assert.deepEqual(pkg.activationEvents, activationEvents);
  assert.deepEqual(pkg.activationEvents, [
    'workspaceContains:backend/data/model_configs',
    'workspaceContains:backend/data/model_configs/*.json',
    'workspaceContains:tests/*_tests.md',
    'workspaceContains:model_builder/gaps/*.md',
  ]);
  // Every selector pattern has its activation event.
  for (const f of documentSelector) assert.ok(pkg.activationEvents.includes(`workspaceContains:${f.pattern.slice(3)}`), f.pattern);
  assert.ok(!pkg.activationEvents.some((e: string) => e.startsWith('onLanguage:')), 'no activation on every JSON/Markdown file');
  assert.deepEqual(pkg.contributes.jsonValidation, [{ fileMatch: CONFIG_GLOB, url: './schemas/model-config.schema.json' }]);
  assert.equal(SPEC_GLOB, '**/tests/*_tests.md');
  assert.equal(GAP_GLOB, '**/model_builder/gaps/*.md');
});

test('package.json contributes the commands and settings the extension uses', () => {
  const commands = pkg.contributes.commands.map((c: { command: string }) => c.command).sort();
  assert.deepEqual(commands, [
    'mantile.checkWorkspace',
    'mantile.inspectModel',
    'mantile.newConfig',
    'mantile.refreshView',
    'mantile.restartServer',
    'mantile.showOutput',
  ]);
  // Every contributed command is registered, and every menu names a contributed command.
  const source = readFileSync(join(__dirname, '..', 'src', 'extension.ts'), 'utf8');
  for (const c of commands) assert.ok(source.includes(`registerCommand('${c}'`), `${c} is registered`);
  for (const items of Object.values(pkg.contributes.menus) as { command: string }[][]) {
    for (const item of items) assert.ok(commands.includes(item.command), `menu names ${item.command}`);
  }
  // The Mantile view in the Explorer, with its provider.
  assert.deepEqual(pkg.contributes.views.explorer.map((v: { id: string }) => v.id), ['mantile.registry']);
  assert.ok(source.includes("createTreeView('mantile.registry'"));
  const props = pkg.contributes.configuration.properties;
  for (const key of ['mantile.server.path', 'mantile.hub.offline', 'mantile.hub.endpoint', 'mantile.rules', 'mantile.logLevel', 'mantile.trace.server']) {
    assert.ok(props[key], key);
    assert.ok((props[key].markdownDescription ?? props[key].description ?? '').length > 20, `${key} has a description`);
  }
  assert.deepEqual(props['mantile.rules'].additionalProperties.enum, ['error', 'warning', 'info', 'hint', 'off']);
});

test('model ids and the file new writes', () => {
  assert.equal(validModelId('meta-llama/Llama-3.3-70B-Instruct'), undefined);
  assert.match(validModelId('') ?? '', /Enter/);
  assert.match(validModelId('llama') ?? '', /org\/name/);
  assert.match(validModelId('a/b/c') ?? '', /org\/name/);
  assert.equal(configPathFor(' meta-llama/Llama-3.3-70B-Instruct '), 'backend/data/model_configs/meta-llama_Llama-3.3-70B-Instruct.json');
});
