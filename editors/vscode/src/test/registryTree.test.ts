import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RegistryResult } from '../lsp_ext';
import { summaryLine } from '../lsp_ext';
import { type Node, formatParams, registryTree } from '../registryTree';

test('parameter counts read as the guide writes them', () => {
  assert.equal(formatParams(632), '632');
  assert.equal(formatParams(1_100_048_384), '1.1B');
  assert.equal(formatParams(7_615_616_512), '7.62B');
  assert.equal(formatParams(236_000_000_000), '236B');
  assert.equal(formatParams(123_456_789), '123M');
  assert.equal(formatParams(100_092_672), '100M');
  assert.equal(formatParams(1_000_000), '1M');
  assert.equal(formatParams(1_500_000_000), '1.5B');
  assert.equal(formatParams(10_000), '10K');
});

const result: RegistryResult = {
  root: 'file:///ws',
  models: [
    { uri: 'file:///ws/backend/data/model_configs/a_B.json', path: 'backend/data/model_configs/a_B.json', modelId: 'a_B', name: 'B', hfModelId: 'a/B', totalParams: 2_000_000_000, errors: 2, warnings: 1 },
    { uri: 'file:///ws/backend/data/model_configs/c_D.json', path: 'backend/data/model_configs/c_D.json', modelId: null, name: null, hfModelId: null, totalParams: null, errors: 0, warnings: 0 },
  ],
  gaps: [
    {
      number: 1, gapType: 'Layer', feature: 'Multi-token prediction', affectedLayers: ['mtp (a_B)'], severity: 'MEDIUM', status: 'Created',
      report: 'model_builder/gaps/mtp.md', reportUri: 'file:///ws/model_builder/gaps/mtp.md', unaccounted: null,
      suite: { path: 'tests/mtp_tests.md', uri: 'file:///ws/tests/mtp_tests.md', tests: 3, ids: ['MTP-1', 'MTP-2', 'MTP-3'], status: 'Created' },
    },
    {
      number: 2, gapType: 'MoE', feature: 'Router', affectedLayers: ['router (a_B)'], severity: 'HIGH', status: 'Missing',
      report: 'model_builder/gaps/router.md', reportUri: null, unaccounted: 'model_builder/gaps/router.md does not exist', suite: null,
    },
  ],
  checklist: { gapsIdentified: 2, reportsCreated: 1, testSuitesCreated: 1, testsWritten: 3, documentedInExistingReports: 0, unaccounted: 1 },
};

test('the view lists models, the gap registry and the unaccounted gaps', () => {
  const [models, gaps, unaccounted] = registryTree(result);
  assert.deepEqual(
    models.children.map((m) => [m.label, m.description, m.icon, m.contextValue]),
    [
      ['a_B', '2B params · 2 errors, 1 warning', 'error', 'model'],
      ['c_D.json', 'no total_params · no errors or warnings', 'pass', 'file'],
    ],
  );
  assert.equal(models.children[0].uri, 'file:///ws/backend/data/model_configs/a_B.json');
  assert.equal(models.children[0].hfModelId, 'a/B');
  assert.equal(gaps.description, '2 gaps, 3 tests');
  assert.deepEqual(
    gaps.children.map((g) => [g.label, g.description, g.icon]),
    [
      ['1. Multi-token prediction', 'MEDIUM · Created, 3 tests', 'gap'],
      ['2. Router', 'HIGH · Missing', 'warning'],
    ],
  );
  const [report, suite, layer] = gaps.children[0].children;
  assert.deepEqual([report.label, report.uri], ['Report: mtp.md', 'file:///ws/model_builder/gaps/mtp.md']);
  assert.deepEqual([suite.label, suite.description, suite.uri], ['Suite: mtp_tests.md', '3 tests (MTP-1, MTP-2, MTP-3)', 'file:///ws/tests/mtp_tests.md']);
  assert.equal(layer.label, 'mtp (a_B)');
  // A missing report opens nothing and says so.
  assert.deepEqual([gaps.children[1].children[0].description, gaps.children[1].children[0].uri], ['missing', undefined]);
  assert.equal(unaccounted.label, 'Unaccounted gaps: 1');
  assert.equal(unaccounted.icon, 'warning');
  assert.deepEqual(
    unaccounted.children.map((u) => [u.label, u.description]),
    [['Router', 'model_builder/gaps/router.md does not exist']],
  );
  // Ids are unique (VS Code requires it).
  const ids: string[] = [];
  const walk = (n: Node) => {
    ids.push(n.id);
    n.children.forEach(walk);
  };
  registryTree(result).forEach(walk);
  assert.equal(new Set(ids).size, ids.length);
});

test('no gaps: Unaccounted gaps is 0 and passes', () => {
  const [, gaps, unaccounted] = registryTree({ ...result, gaps: [], checklist: { gapsIdentified: 0, reportsCreated: 0, testSuitesCreated: 0, testsWritten: 0, documentedInExistingReports: 0, unaccounted: 0 } });
  assert.equal(gaps.children.length, 0);
  assert.deepEqual([unaccounted.label, unaccounted.icon, unaccounted.children.length], ['Unaccounted gaps: 0', 'pass', 0]);
});

test('the check summary reads as the server says it', () => {
  assert.equal(summaryLine({ files: 4, errors: 3, warnings: 4, infos: 2, hints: 0 }), '4 files checked: 3 errors, 4 warnings, 2 info, 0 hints');
  assert.equal(summaryLine({ files: 1, errors: 1, warnings: 1, infos: 1, hints: 1 }), '1 file checked: 1 error, 1 warning, 1 info, 1 hint');
});
